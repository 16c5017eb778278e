"""``realign plugins`` and choosing plugins from the environment and the command line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import realign
from realign import hookimpl
from realign.cli import main
from realign.plugins import (
    DEFAULT_PLUGINS,
    DISABLE_PLUGINS_ENV,
    LOAD_PLUGINS_ENV,
    PluginSelection,
    UnknownPluginError,
    get_plugin_manager,
)
from realign.rules.functions import Function
from realign.rules.types import NUMBER

SAMPLE = Path(__file__).parent / "data" / "rulesets" / "sample.toml"


class _Extras:
    """An installed plugin that adds a rule set and a condition function."""

    @hookimpl
    def realign_rulesets(self) -> Iterable[Path]:
        return [SAMPLE]

    @hookimpl
    def realign_condition_functions(self) -> Iterable[Function]:
        return [Function(name="twice", params=(NUMBER,), returns=NUMBER, impl=lambda x: 2 * x)]


class _Broken:
    @hookimpl
    def realign_rulesets(self) -> Iterable[Path]:
        raise RuntimeError("no rule sets today")


@pytest.fixture
def imported(install: Callable[..., None]) -> list[str]:
    """Two installed plugins, 'extras' and 'broken'; the list names those imported."""
    loads: list[str] = []

    def loading(name: str, plugin: object) -> Callable[[], object]:
        def load() -> object:
            loads.append(name)
            return plugin

        return load

    install(
        ("extras", "realign-extras", loading("extras", _Extras())),
        ("broken", "realign-broken", loading("broken", _Broken())),
    )
    return loads


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, Any]]:
    assert main(["plugins", "--json", *args]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == "realign/plugins@1"
    return {p["name"]: p for p in document["plugins"]}


def test_every_plugin_is_listed_with_its_hooks_and_what_it_provides(
    imported: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = listed(capsys)
    assert list(plugins) == [*DEFAULT_PLUGINS, "broken", "extras"]
    catalog = plugins["realign.standard_catalog"]
    assert catalog["status"] == "built-in"
    assert (catalog["distribution"], catalog["version"]) == ("realign", realign.__version__)
    assert catalog["hooks"] == ["realign_action_catalogs", "realign_rulesets"]
    assert len(catalog["provides"]["actions"]) == 30
    loaders = plugins["realign.loading.builtin_loaders"]["provides"]["loaders"]
    assert loaders == ["realign.loading.builtin_loaders.realign_load_facts"]
    assert len(catalog["provides"]["rules"]) == 50
    assert "GOV-01" in catalog["provides"]["rules"]
    assert "len" in plugins["realign.rules.functions"]["provides"]["functions"]
    extras = plugins["extras"]
    assert extras["status"] == "loaded"
    assert (extras["distribution"], extras["version"]) == ("realign-extras", "0.0.1")
    assert extras["hooks"] == ["realign_condition_functions", "realign_rulesets"]
    assert extras["provides"]["functions"] == ["twice"]
    assert extras["provides"]["rules"]  # the sample rule set's ids
    assert extras["problems"] == []


def test_a_plugin_that_fails_to_say_what_it_provides_is_listed_with_the_problem(
    imported: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    broken = listed(capsys)["broken"]
    assert broken["status"] == "loaded"
    assert broken["provides"]["rules"] == []
    assert broken["problems"] == ["realign_rulesets raised RuntimeError('no rule sets today')"]


def test_a_disabled_plugin_is_listed_but_never_imported(
    imported: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = listed(capsys, "--disable-plugin", "broken")
    assert plugins["broken"]["status"] == "disabled"
    assert plugins["broken"]["hooks"] == []
    assert imported == ["extras"]


@pytest.mark.parametrize("name", ["extras", "realign-extras"])
def test_only_the_selected_installed_plugins_are_loaded(
    imported: list[str], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    plugins = listed(capsys, "--plugin", name)
    assert plugins["extras"]["status"] == "loaded"
    assert plugins["broken"]["status"] == "not selected"
    assert imported == ["extras"]
    # Built-ins always load unless disabled by name.
    assert plugins["realign.standard_catalog"]["status"] == "built-in"


def test_no_plugins_loads_only_the_builtins(
    imported: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = listed(capsys, "--no-plugins")
    assert {plugins[n]["status"] for n in ("extras", "broken")} == {"not selected"}
    assert imported == []


def test_a_builtin_can_be_disabled(imported: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    plugins = listed(capsys, "--disable-plugin", "realign.standard_catalog")
    assert plugins["realign.standard_catalog"]["status"] == "disabled"
    assert plugins["realign.standard_catalog"]["provides"]["rules"] == []


def test_the_environment_chooses_and_the_command_line_narrows(
    imported: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LOAD_PLUGINS_ENV, "")
    assert {p["status"] for n, p in listed(capsys).items() if n in ("extras", "broken")} == {
        "not selected"
    }
    # The command line's selection replaces the environment's.
    assert listed(capsys, "--plugin", "extras")["extras"]["status"] == "loaded"
    monkeypatch.setenv(LOAD_PLUGINS_ENV, "extras, broken")
    monkeypatch.setenv(DISABLE_PLUGINS_ENV, "broken")
    plugins = listed(capsys)
    assert (plugins["extras"]["status"], plugins["broken"]["status"]) == ("loaded", "disabled")


def test_selection_from_the_environment_and_options() -> None:
    environ = {LOAD_PLUGINS_ENV: " a, b ,,", DISABLE_PLUGINS_ENV: "c"}
    selection = PluginSelection.from_environment(environ)
    assert selection == PluginSelection(only=("a", "b"), disabled=("c",))
    assert selection.narrowed(only=["d"], disabled=["c", "e"]) == PluginSelection(
        only=("d",), disabled=("c", "e")
    )
    assert PluginSelection.from_environment({}) == PluginSelection(only=None, disabled=())


def test_an_unknown_plugin_name_is_bad_input_with_a_suggestion(
    imported: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plugins", "--disable-plugin", "extra"]) == 2
    err = capsys.readouterr().err
    assert "no plugin is named 'extra'; did you mean 'extras'?" in err
    assert "Traceback" not in err
    with pytest.raises(UnknownPluginError, match=r"did you mean .realign\.enrich\.market."):
        get_plugin_manager(block=["realign.enrich.markt"])


def test_every_command_takes_the_plugin_options(
    imported: list[str], capsys: pytest.CaptureFixture[str], examples_dir: Path
) -> None:
    source = str(examples_dir / "healthy.toml")
    assert main(["facts", source, "--format", "json", "--no-plugins"]) == 0
    assert main(["assess", source, "--format", "json", "--disable-plugin", "broken"]) in (0, 1)
    assert imported == ["extras"]


def test_the_table_names_every_plugin(
    imported: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping inside the names
    assert main(["plugins", "--no-color"]) == 0
    out = capsys.readouterr().out
    for name in ("extras", "broken", "realign-extras 0.0.1", "50 rules", "GOV-01 to GOV-11"):
        assert name in out


def test_the_listing_follows_its_published_schema(
    imported: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["schema", "plugins"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for args in ([], ["--disable-plugin", "broken"], ["--no-plugins"]):
        assert main(["plugins", "--json", *args]) == 0
        document = json.loads(capsys.readouterr().out)
        assert list(validator.iter_errors(document)) == []
    # The schema is closed: a field it does not know is an error.
    document["plugins"][0]["colour"] = "blue"
    assert list(validator.iter_errors(document))


def test_the_library_reads_the_environment_too_unless_told_not_to(
    imported: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DISABLE_PLUGINS_ENV, "broken")
    pm = get_plugin_manager()
    assert pm.get_plugin("extras") is not None
    assert pm.is_blocked("broken")
    assert imported == ["extras"]
    # An explicit environment replaces the process's; {} reads none.
    assert get_plugin_manager(environ={}).get_plugin("broken") is not None
    assert get_plugin_manager(environ={LOAD_PLUGINS_ENV: ""}).get_plugin("extras") is None
    # The arguments come after the environment: only replaces it, block adds to it.
    chosen = get_plugin_manager(only=["broken"], environ={LOAD_PLUGINS_ENV: "extras"})
    assert (chosen.get_plugin("broken") is not None, chosen.get_plugin("extras")) == (True, None)


def test_a_stale_name_in_the_environment_says_where_names_come_from(
    imported: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(DISABLE_PLUGINS_ENV, "uninstalled")
    assert main(["plugins"]) == 2
    assert DISABLE_PLUGINS_ENV in capsys.readouterr().err


def test_an_installed_plugin_handed_in_again_is_registered_once(imported: list[str]) -> None:
    extras = get_plugin_manager().get_plugin("extras")
    pm = get_plugin_manager(extra=[extras])
    assert pm.get_name(extras) == "extras"
    assert [p for p in pm.get_plugins() if p is extras] == [extras]
