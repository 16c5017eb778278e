"""The walk-through of docs/plugins.md, run as a reader would: files written, tests run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
WALKTHROUGH = GUIDE.split("## Walk-through: a plugin from scratch", 1)[1].split("\n## ", 1)[0]
_BLOCK = re.compile(r"```\w+ file=(\S+)\n(.*?)```", re.S)
FILES = dict(_BLOCK.findall(WALKTHROUGH))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The walk-through's files, and the record pip would write on installing them."""
    root = tmp_path_factory.mktemp("acme-sizes")
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "acme_sizes" / "__init__.py").write_text("", encoding="utf-8")  # "empty"
    meta = tomllib.loads(FILES["pyproject.toml"])["project"]
    dist_info = root / f"acme_sizes-{meta['version']}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n",
        encoding="utf-8",
    )
    points = "".join(f"{k} = {v}\n" for k, v in meta["entry-points"]["realign"].items())
    (dist_info / "entry_points.txt").write_text(f"[realign]\n{points}", encoding="utf-8")
    return root


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REALIGN_")}
    env["PYTHONPATH"] = str(project)
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_walkthrough_has_every_file_of_its_layout() -> None:
    expected = {
        "pyproject.toml",
        "conftest.py",
        "acme.toml",
        "test_acme.py",
        "acme_sizes/plugin.py",
        "acme_sizes/acme_rules.toml",
    }
    assert set(FILES) == expected


def test_the_walkthrough_tests_pass(project: Path) -> None:
    run = _run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_acme.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout


def test_installed_it_is_listed_and_adds_its_finding(project: Path) -> None:
    listed = _run(project, "-m", "realign", "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    plugins = {p["name"]: p for p in json.loads(listed.stdout)["plugins"]}
    assert plugins["acme"]["status"] == "loaded"
    assert plugins["acme"]["distribution"] == "acme-sizes"
    assert plugins["acme"]["provides"]["rules"] == ["ACME-01"]
    assert plugins["acme"]["hooks"] == ["realign_enrich_facts", "realign_rulesets"]

    def rules(*extra: str) -> set[str]:
        run = _run(project, "-m", "realign", "assess", "acme.toml", "--format", "json", *extra)
        assert run.returncode in (0, 1), run.stderr
        return {f["rule"] for f in json.loads(run.stdout)["findings"]}

    assert "ACME-01" in rules()
    assert "ACME-01" not in rules("--disable-plugin", "acme")
    # Uninstalled (its distribution record gone), the plugin and its finding are gone.
    record = next(project.glob("*.dist-info"))
    hidden = record.rename(project / "uninstalled")
    try:
        assert "ACME-01" not in rules()
    finally:
        hidden.rename(record)
