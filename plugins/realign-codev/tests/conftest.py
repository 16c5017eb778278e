"""Make the plugin importable when its tests run from a checkout where it is not installed.

The repository's test run collects these tests with realign's own virtualenv, which must
not have the plugin installed (an installed plugin changes the core suite's results), so
the source tree is put on the path instead. The entry-point tests skip in that case.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("realign_codev") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
