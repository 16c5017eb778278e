"""Rule-set test cases: TOML files beside the rule sets, run by ``realign test``.

A case names a fact file (or gives its facts inline), optionally patches it,
and says which rules must fire, pass or be not evaluable. Running the cases
also measures rule coverage: which rules some passing case saw firing, and
which it saw evaluated without firing.
"""

from __future__ import annotations

from .cases import TestCase, TestFile, load_test_file, test_files
from .patch import PatchError, append_records, apply_patch, remove_path
from .runner import CaseResult, RuleCoverage, TestRun, run_tests

__all__ = [
    "CaseResult",
    "PatchError",
    "RuleCoverage",
    "TestCase",
    "TestFile",
    "TestRun",
    "append_records",
    "apply_patch",
    "load_test_file",
    "remove_path",
    "run_tests",
    "test_files",
]
