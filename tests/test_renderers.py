"""Output formats come from the realign_renderers hook, the built-in text and JSON included."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

import realign.cli
from realign import Assessment, hookimpl
from realign.cli import main
from realign.plugins import get_plugin_manager
from realign.renderers import RenderContext, Renderer


def _rules_csv(assessments: Sequence[Assessment], context: RenderContext) -> str:
    rows = ["source,rule,severity"]
    for source, assessment in zip(context.sources, assessments, strict=True):
        rows.extend(f"{source},{f.rule},{f.severity}" for f in assessment.findings)
    return "\n".join(rows) + "\n"


class _CsvFormat:
    @hookimpl
    def realign_renderers(self) -> Iterable[Renderer]:
        return [Renderer("rules-csv", "one line per finding", _rules_csv)]


class _ClaimsJson:
    @hookimpl
    def realign_renderers(self) -> Iterable[Renderer]:
        return [Renderer("json", "not the real one", lambda a, c: "fake\n")]


class _Raises:
    @hookimpl
    def realign_renderers(self) -> Iterable[Renderer]:
        def broken(assessments: Sequence[Assessment], context: RenderContext) -> str:
            raise ValueError("cannot write this")

        return [Renderer("broken", "always fails", broken)]


@pytest.fixture
def with_plugin(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Plugins handed to the CLI's plugin manager, as if installed."""
    plugins: list[object] = []

    def manager(**kwargs: object) -> object:
        return get_plugin_manager(
            load_entrypoints=False,
            extra=plugins,
            environ={},
            **{k: v for k, v in kwargs.items() if k == "strict"},
        )

    monkeypatch.setattr(realign.cli, "get_plugin_manager", manager)
    return plugins


def test_a_plugin_format_renders_every_assessment(
    with_plugin: list[object], capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    with_plugin.append(_CsvFormat())
    files = [str(examples_dir / "healthy.toml"), str(examples_dir / "case_study_before.toml")]
    assert main(["assess", *files, "--format", "rules-csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "source,rule,severity"
    assert {line.split(",")[0] for line in lines[1:]} == set(files)
    assert f"{files[1]},ALN-02,critical" in lines


def test_the_output_file_gets_the_format_too(
    with_plugin: list[object], tmp_path: Path, examples_dir: Path
) -> None:
    with_plugin.append(_CsvFormat())
    out = tmp_path / "findings.csv"
    source = str(examples_dir / "healthy.toml")
    assert main(["assess", source, "--format", "rules-csv", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("source,rule,severity\n")
    text = tmp_path / "report.txt"
    assert main(["assess", source, "-o", str(text)]) == 0
    report = text.read_text(encoding="utf-8")
    assert "Area health" in report
    assert "\x1b[" not in report  # a file gets plain text


def test_a_builtin_format_keeps_its_name(
    with_plugin: list[object], capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    claim = _ClaimsJson()
    with_plugin.append(claim)
    assert main(["assess", str(examples_dir / "healthy.toml"), "--format", "json"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["schema"] == "realign/assessment@1"
    assert "format 'json' is also provided by 'realign.renderers'" in captured.err


def test_a_renderer_that_fails_is_named_without_a_traceback(
    with_plugin: list[object], capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    with_plugin.append(_Raises())
    assert main(["assess", str(examples_dir / "healthy.toml"), "--format", "broken"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "raised rendering --format broken: ValueError('cannot write this')" in captured.err
    assert "Traceback" not in captured.err


def test_an_unknown_format_is_a_usage_error_with_a_suggestion(
    capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    assert main(["assess", str(examples_dir / "healthy.toml"), "--format", "jsno"]) == 2
    err = capsys.readouterr().err
    assert "no output format is named 'jsno'; did you mean 'json'?" in err
    assert "(formats: text, json, markdown, html)" in err


class _NotAList:
    @hookimpl
    def realign_renderers(self) -> Iterable[Renderer]:
        return 42  # type: ignore[return-value]


def test_a_renderer_hook_that_returns_no_list_is_named(
    with_plugin: list[object], capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    with_plugin.append(_NotAList())
    assert main(["assess", str(examples_dir / "healthy.toml"), "--format", "json"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["schema"] == "realign/assessment@1"
    assert "realign_renderers returned int, not a list" in captured.err
    assert "Traceback" not in captured.err
