"""Loading fact files: the golden examples, TOML/JSON equivalence, located problems."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pluggy
import pytest

import realign
from realign import FactError, FactSource, Partnership, load_partnership
from realign.loading.dump import jsonable
from realign.model import MeetingType, PartnershipType

EXAMPLES = ("healthy.toml", "case_study_before.toml")


def _toml_text(examples_dir: Path, name: str) -> str:
    return (examples_dir / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", EXAMPLES)
def test_golden_examples_load_unmodified(examples_dir: Path, name: str) -> None:
    loaded = load_partnership(examples_dir / name)
    assert isinstance(loaded.partnership, Partnership)
    assert loaded.warnings == ()
    assert loaded.source == str(examples_dir / name)


def test_bundled_examples_are_the_shared_golden_files(examples_dir: Path) -> None:
    shared = examples_dir.parent.parent / "shared" / "domain" / "examples"
    if not shared.is_dir():
        pytest.skip("../shared is not beside this checkout")
    for name in EXAMPLES:
        assert (examples_dir / name).read_bytes() == (shared / name).read_bytes(), name


def test_the_vocabulary_probes_are_the_bundled_examples(examples_dir: Path) -> None:
    # The engine learns the names of derived facts by enriching these copies,
    # which ship inside the package where examples/ does not.
    probes = Path(realign.__file__).parent / "rules" / "probes"
    assert sorted(p.name for p in probes.glob("*.toml")) == sorted(EXAMPLES)
    for name in EXAMPLES:
        assert (probes / name).read_bytes() == (examples_dir / name).read_bytes(), name


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_same_facts_as_json_load_into_an_equal_partnership(
    examples_dir: Path, name: str
) -> None:
    data = tomllib.loads(_toml_text(examples_dir, name))
    text = json.dumps(jsonable(data), indent=1)
    from_json = load_partnership(FactSource.from_text(text, name="x.json", format="json"))
    from_toml = load_partnership(examples_dir / name)
    assert from_json.partnership == from_toml.partnership


def test_the_case_study_reads_as_described(examples_dir: Path) -> None:
    p = load_partnership(examples_dir / "case_study_before.toml").partnership
    assert p.partnership.type is PartnershipType.CO_DEVELOPMENT
    assert p.assessment.as_of == dt.date(2024, 3, 31)
    assert [m.type for m in p.meetings].count(MeetingType.STEERING_COMMITTEE) == 3
    assert p.objectives[1].priority == {"corvid": 5, "ironbridge": 2}
    # Culture scores are a float scale, even when the file writes 2 rather than 2.0.
    assert p.culture is not None
    assert p.culture.profiles[0].scores["risk_appetite"] == 5.0
    # Omitted collections are empty; omitted tables and values are None (not stated).
    assert p.assumptions == ()
    assert p.health_checks == ()
    assert p.culture.working_agreement is None
    assert p.meetings[0].priorities_adjusted is None


def _mutated(examples_dir: Path, edit: Any) -> FactSource:
    data = tomllib.loads(_toml_text(examples_dir, "case_study_before.toml"))
    edit(data)
    return FactSource.from_text(
        json.dumps(jsonable(data), indent=2), name="mutated.json", format="json"
    )


def _problems(source: FactSource, **kwargs: Any) -> list[Any]:
    with pytest.raises(FactError) as caught:
        load_partnership(source, **kwargs)
    return list(caught.value.problems)


def test_every_problem_in_a_file_is_reported_at_once(examples_dir: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["objectives"][2]["priority"]["corvid"] = 7
        d["objectives"][1]["priorty"] = 1
        d["meetings"][0]["type"] = "steering_comittee"
        d["meetings"][1]["signals_discussed"] = ["S9"]
        d["decisions"][1]["id"] = "D1"
        d["escalations"][0]["raised_by"] = "corvd"

    problems = _problems(_mutated(examples_dir, edit))
    by_path = {"".join(str(p).split(": ")[2:3]): p for p in problems}
    assert len(problems) == 6, [str(p) for p in problems]
    assert {p.code for p in problems} == {"range", "unknown-key", "type", "reference", "duplicate"}
    assert "objectives[2].priority.corvid" in by_path
    assert all(p.line is not None and p.column is not None for p in problems)
    typo = next(p for p in problems if p.code == "type")
    assert typo.hint == "did you mean 'steering_committee'?"


def test_problems_point_at_the_offending_line(examples_dir: Path) -> None:
    text = _toml_text(examples_dir, "case_study_before.toml").replace(
        "priority = { corvid = 2, ironbridge = 5 }", "priority = { corvid = 2, ironbridge = 9 }"
    )
    problems = _problems(FactSource.from_text(text, name="p.toml", format="toml"))
    (problem,) = problems
    line = text.splitlines()[problem.line - 1]
    assert "ironbridge = 9" in line
    assert line[problem.column - 1 :].startswith("ironbridge")
    assert str(problem).startswith(f"p.toml:{problem.line}:{problem.column}: error: ")
    assert problem.expected == "an integer weight from 1 to 5"
    assert problem.found == "an integer 9"


def test_a_bad_record_does_not_hide_the_problems_of_the_rest(examples_dir: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["partners"][0]["headcount"] = "many"  # this partner fails to structure
        d["escalations"][1]["raised_by"] = "nobody"

    problems = _problems(_mutated(examples_dir, edit))
    assert [p.code for p in problems] == ["type", "reference"]
    # References to the partner that failed to structure are not reported as dangling.
    assert not any("'corvid'" in p.message for p in problems)


def test_unknown_keys_are_warnings_when_lenient(examples_dir: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["partners"][0]["favourite_colour"] = "teal"

    strict = _problems(_mutated(examples_dir, edit))
    assert [p.code for p in strict] == ["unknown-key"]
    loaded = load_partnership(_mutated(examples_dir, edit), lenient=True)
    (warning,) = loaded.warnings
    assert warning.severity == "warning"
    assert "favourite_colour" in warning.message


def test_data_gaps_must_name_fact_paths(examples_dir: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["assessment"]["data_gaps"] = ["escalation", "health_checks"]

    (problem,) = _problems(_mutated(examples_dir, edit))
    assert problem.code == "reference"
    assert problem.hint == "did you mean 'escalations'?"


def test_a_data_gap_cannot_also_have_facts(examples_dir: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["assessment"]["data_gaps"] = ["meetings"]

    (problem,) = _problems(_mutated(examples_dir, edit))
    assert problem.code == "consistency"


def test_dates_are_real_dates_not_datetimes(examples_dir: Path) -> None:
    text = _toml_text(examples_dir, "case_study_before.toml").replace(
        "as_of = 2024-03-31", "as_of = 2024-03-31T09:00:00"
    )
    (problem,) = _problems(FactSource.from_text(text, name="d.toml", format="toml"))
    assert problem.path == ("assessment", "as_of")
    assert problem.expected == "a date YYYY-MM-DD"


def test_json_dates_must_be_valid_calendar_dates(examples_dir: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["decisions"][0]["raised"] = "2023-02-30"

    (problem,) = _problems(_mutated(examples_dir, edit))
    assert problem.expected == "a valid calendar date"


def test_an_unsupported_suffix_is_named(tmp_path: Path) -> None:
    target = tmp_path / "facts.yaml"
    target.write_text("assessment: {}\n")
    (problem,) = _problems(FactSource.from_path(target))
    assert problem.code == "format"
    assert "yaml" in (problem.found or "")


def test_a_plugin_loader_can_take_over_a_format(
    examples_dir: Path, plugin_manager: pluggy.PluginManager
) -> None:
    from realign import RawFacts, hookimpl

    seen: list[str] = []

    class EnvelopeLoader:
        """Reads facts wrapped in an export envelope: {"exported": ..., "facts": {...}}."""

        @hookimpl
        def realign_load_facts(self, source: FactSource) -> RawFacts | None:
            if source.kind() != "envelope":
                return None
            seen.append(source.name)
            return RawFacts(data=json.loads(source.read_text())["facts"], format="envelope")

    plugin_manager.register(EnvelopeLoader())
    data = jsonable(tomllib.loads(_toml_text(examples_dir, "healthy.toml")))
    text = json.dumps({"exported": "2025-07-01", "facts": data})
    loaded = load_partnership(
        FactSource.from_text(text, name="x.envelope", format="envelope"),
        plugin_manager=plugin_manager,
    )
    assert seen == ["x.envelope"]
    assert loaded.partnership.partners[0].id == "helix"
