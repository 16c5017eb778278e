"""Free text from fact files is printed as text: never as terminal markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from realign.cli import main

HOSTILE = (
    '[bold red]Evil[/] <script>alert("x")</script> \u202eright-to-left\u202c [link=file:///etc]'
)


def test_markup_in_names_is_printed_verbatim(
    examples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (examples_dir / "case_study_before.toml").read_text(encoding="utf-8")
    escaped = HOSTILE.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace(
        'name = "Corvid Software x Ironbridge Devices - SmartEdge product line"',
        f'name = "{escaped}"',
    ).replace('name = "Corvid Software"', f'name = "{escaped}{"x" * 500}"')
    target = tmp_path / "hostile.toml"
    target.write_text(text, encoding="utf-8")
    assert main(["facts", str(target), "--no-color"]) == 0
    out = capsys.readouterr().out
    assert HOSTILE in out
    assert HOSTILE + "x" * 20 in out.replace("\n", "")
