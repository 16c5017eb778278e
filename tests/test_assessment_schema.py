"""The published JSON Schema of ``realign assess --format json`` fits what realign writes.

The schema is strict (closed objects, enums, ranges), so these tests validate the real
output of both examples on both matchers, through the library and the command line,
and prove with hand-made breakages that the schema rejects what realign never writes.
docs/assessment.md must name every field the code writes.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from realign import Engine, get_plugin_manager
from realign.cli import main
from realign.engine.engine import Backend
from realign.loading.dump import jsonable
from realign.rules.ruleset import AREAS
from realign.rules.types import SEVERITIES
from realign.schema import ASSESSMENT_SCHEMA_ID, assessment_schema

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "assessment.md"
BACKENDS: tuple[Backend, ...] = ("durable_rules", "python")
EXAMPLES = ("case_study_before.toml", "healthy.toml")

Document = dict[str, Any]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = assessment_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def engines() -> dict[str, Engine]:
    pm = get_plugin_manager(load_entrypoints=False)
    return {b: Engine.default(plugin_manager=pm, backend=b) for b in BACKENDS}


@pytest.fixture(scope="module")
def governance_engines() -> dict[str, Engine]:
    pm = get_plugin_manager(load_entrypoints=False)
    return {b: Engine.default(plugin_manager=pm, backend=b, select=["GOV"]) for b in BACKENDS}


def _without_tables(text: str, headers: set[str]) -> str:
    """*text* without the TOML tables whose header line is one of *headers*."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.strip() in headers
        if not skipping:
            kept.append(line)
    return "".join(kept)


@pytest.fixture(scope="module")
def gaps_file(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Path:
    """healthy.toml with culture profiles and escalations declared gaps (and their facts gone)."""
    text = (examples_dir / "healthy.toml").read_text(encoding="utf-8")
    # A declared gap must have no facts, or the loader refuses the file.
    text = _without_tables(text, {"[[culture.profiles]]", "[[escalations]]"})
    text = text.replace(
        "[assessment]\n", '[assessment]\ndata_gaps = ["culture.profiles", "escalations"]\n', 1
    )
    path = tmp_path_factory.mktemp("gaps") / "healthy_with_gaps.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def outputs(engines: dict[str, Engine], examples_dir: Path) -> dict[tuple[str, str], str]:
    """The JSON text of each example on each backend."""
    return {
        (b, name): engine.assess(examples_dir / name).to_json()
        for b, engine in engines.items()
        for name in EXAMPLES
    }


@pytest.fixture(scope="module")
def before(outputs: dict[tuple[str, str], str]) -> Document:
    document: Document = json.loads(outputs["durable_rules", "case_study_before.toml"])
    return document


def problems(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return sorted(f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document))


def error_paths(validator: jsonschema.Draft202012Validator, document: Any) -> set[tuple[Any, ...]]:
    def leaves(errors: Any) -> Iterator[jsonschema.ValidationError]:
        for error in errors:
            yield error
            yield from leaves(error.context or ())

    return {tuple(e.absolute_path) for e in leaves(validator.iter_errors(document))}


# --- the schema itself -------------------------------------------------------------------


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = assessment_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == ASSESSMENT_SCHEMA_ID


def test_every_field_of_the_schema_is_described() -> None:
    """The descriptions are the user documentation of the schema."""
    undescribed: list[str] = []

    def visit(node: Any, where: str) -> None:
        if not isinstance(node, dict):
            return
        for name, sub in node.get("properties", {}).items():
            if isinstance(sub, dict) and "description" not in sub and "$ref" not in sub:
                undescribed.append(f"{where}.{name}")
            visit(sub, f"{where}.{name}")

    for name, definition in assessment_schema()["$defs"].items():
        if "description" not in definition:
            undescribed.append(name)
        visit(definition, name)
    assert undescribed == []


def test_realign_schema_assessment_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "assessment"]) == 0
    assert json.loads(capsys.readouterr().out) == assessment_schema()


# --- real output validates ---------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_library_output_validates(
    validator: jsonschema.Draft202012Validator,
    outputs: dict[tuple[str, str], str],
    backend: str,
    name: str,
) -> None:
    document = json.loads(outputs[backend, name])
    assert problems(validator, document) == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_both_backends_write_the_same_bytes(outputs: dict[tuple[str, str], str], name: str) -> None:
    assert outputs["durable_rules", name] == outputs["python", name]


@pytest.mark.parametrize("backend", BACKENDS)
def test_data_gaps_output_validates(
    validator: jsonschema.Draft202012Validator,
    engines: dict[str, Engine],
    gaps_file: Path,
    backend: str,
) -> None:
    document = json.loads(engines[backend].assess(gaps_file).to_json())
    assert problems(validator, document) == []
    # The file exercises what it is for: an area without a score, and low confidence.
    assert document["areas"]["culture"] == {
        "score": None,
        "light": "unknown",
        "trend": None,
        "weight": 0.15,
        "findings": 0,
        "evaluated": 0,
        "rules": 8,
    }
    assert document["coverage"]["confidence"] == "low"
    assert "CUL-01" in document["coverage"]["data_gaps"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_selected_rules_output_validates(
    validator: jsonschema.Draft202012Validator,
    governance_engines: dict[str, Engine],
    examples_dir: Path,
    backend: str,
) -> None:
    engine = governance_engines[backend]
    document = json.loads(engine.assess(examples_dir / "case_study_before.toml").to_json())
    assert problems(validator, document) == []
    assert list(document["areas"]) == ["governance"]
    assert document["coverage"]["rules"] == len(engine.rules)
    assert {p["tier"] for p in document["plan"]} == {"plan", "backlog"}


def test_output_without_rules_validates(
    validator: jsonschema.Draft202012Validator, examples_dir: Path
) -> None:
    """No rule set at all: no areas, no overall score, full (empty) coverage."""
    engine = Engine([], plugin_manager=get_plugin_manager(load_entrypoints=False))
    document = json.loads(engine.assess(examples_dir / "healthy.toml").to_json())
    assert problems(validator, document) == []
    assert document["areas"] == {}
    assert document["overall"]["light"] == "unknown"


@pytest.mark.parametrize("backend", BACKENDS)
def test_cli_output_validates(
    validator: jsonschema.Draft202012Validator,
    capsys: pytest.CaptureFixture[str],
    outputs: dict[tuple[str, str], str],
    examples_dir: Path,
    backend: str,
) -> None:
    files = [str(examples_dir / name) for name in EXAMPLES]
    assert main(["assess", files[0], "--format", "json", "--backend", backend]) == 0
    single = capsys.readouterr().out
    assert problems(validator, json.loads(single)) == []
    assert single == outputs[backend, EXAMPLES[0]]

    assert main(["assess", *files, "--format", "json", "--backend", backend]) == 0
    wrapper = json.loads(capsys.readouterr().out)
    assert problems(validator, wrapper) == []
    assert wrapper["schema"] == "realign/assessments@1"
    assert wrapper["assessments"] == [json.loads(outputs[backend, name]) for name in EXAMPLES]


def _reversed_tables(value: Any) -> Any:
    """*value* with every array of tables in reverse order, recursively."""
    if isinstance(value, dict):
        return {k: _reversed_tables(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_reversed_tables(v) for v in value]
        return items[::-1] if items and all(isinstance(v, dict) for v in items) else items
    return value


def test_output_does_not_depend_on_the_order_of_records(
    engines: dict[str, Engine],
    outputs: dict[tuple[str, str], str],
    examples_dir: Path,
    tmp_path: Path,
) -> None:
    for name in EXAMPLES:
        data = jsonable(tomllib.loads((examples_dir / name).read_text(encoding="utf-8")))
        shuffled = tmp_path / f"{Path(name).stem}.json"
        shuffled.write_text(json.dumps(_reversed_tables(data)), encoding="utf-8")
        assert engines["python"].assess(shuffled).to_json() == outputs["python", name]


# --- the documented orders ---------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_documented_orders_hold(outputs: dict[tuple[str, str], str], name: str) -> None:
    document = json.loads(outputs["python", name])
    findings = document["findings"]
    assert findings == sorted(
        findings,
        key=lambda f: (-SEVERITIES.index(f["severity"]), AREAS.index(f["area"]), f["rule"]),
    )
    assert document["not_evaluable"] == sorted(document["not_evaluable"], key=lambda n: n["rule"])
    assert document["passed"] == sorted(document["passed"])
    plan = document["plan"]
    assert [p["rank"] for p in plan] == list(range(1, len(plan) + 1))
    assert plan == sorted(
        plan,
        key=lambda p: (-SEVERITIES.index(p["priority"]), -len(p["because"]), p["action"]),
    )
    assert list(document["areas"]) == [a for a in AREAS if a in document["areas"]]
    ruled = [f["rule"] for f in findings]
    ruled += [n["rule"] for n in document["not_evaluable"]]
    ruled += document["passed"]
    assert len(ruled) == len(set(ruled)) == document["coverage"]["rules"]


# --- the schema is strict ----------------------------------------------------------------


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _drop(path: tuple[Any, ...]) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


# (what is broken, how, the path of the instance the schema must blame)
BREAKAGES: list[tuple[str, Callable[[Document], None], tuple[Any, ...]]] = [
    ("an extra top-level key", _set(("extra",), 1), ()),
    ("another schema version", _set(("schema",), "realign/assessment@2"), ("schema",)),
    ("a missing top-level key", _drop(("diagnostics",)), ()),
    ("an extra key in a finding", _set(("findings", 0, "score"), 1), ("findings", 0)),
    (
        "an extra key in a check",
        _set(("findings", 0, "evidence", 0, "checks", 0, "note"), ""),
        ("findings", 0, "evidence", 0, "checks", 0),
    ),
    (
        "a severity that does not exist",
        _set(("findings", 0, "severity"), "severe"),
        ("findings", 0, "severity"),
    ),
    (
        "an unknown comparison",
        _set(("findings", 0, "evidence", 0, "checks", 0, "op"), "=~"),
        ("findings", 0, "evidence", 0, "checks", 0, "op"),
    ),
    (
        "a finding without evidence",
        _set(("findings", 0, "evidence"), []),
        ("findings", 0, "evidence"),
    ),
    ("a rule id with a space", _set(("passed", 0), "GOV 01"), ("passed", 0)),
    (
        "a wrong light",
        _set(("areas", "governance", "light"), "yellow"),
        ("areas", "governance", "light"),
    ),
    ("a score of 101", _set(("areas", "market", "score"), 101), ("areas", "market", "score")),
    ("a negative overall score", _set(("overall", "score"), -0.1), ("overall", "score")),
    ("a trend that does not exist", _set(("overall", "trend"), "rising"), ("overall", "trend")),
    ("an area key in capitals", _set(("areas", "Sales"), {}), ("areas",)),
    (
        "a light for an area without a score",
        _set(("areas", "governance", "score"), None),
        ("areas", "governance", "light"),
    ),
    ("a ratio above 1", _set(("coverage", "ratio"), 1.5), ("coverage", "ratio")),
    (
        "a confidence level that does not exist",
        _set(("coverage", "confidence"), "high"),
        ("coverage", "confidence"),
    ),
    ("rank 0", _set(("plan", 0, "rank"), 0), ("plan", 0, "rank")),
    ("a fractional rank", _set(("plan", 0, "rank"), 1.5), ("plan", 0, "rank")),
    ("a tier that does not exist", _set(("plan", 0, "tier"), "later"), ("plan", 0, "tier")),
    ("an effort that does not exist", _set(("plan", 0, "effort"), "XL"), ("plan", 0, "effort")),
    ("a negative horizon", _set(("plan", 0, "horizon_days"), -1), ("plan", 0, "horizon_days")),
    ("a plan item without reasons", _set(("plan", 0, "because"), []), ("plan", 0, "because")),
    ("a plan item missing a key", _drop(("plan", 0, "phase")), ("plan", 0)),
    ("an invalid date", _set(("assessment", "as_of"), "2024-02-30"), ("assessment", "as_of")),
    (
        "a period that is no quarter",
        _set(("assessment", "period"), "2024-Q5"),
        ("assessment", "period"),
    ),
    ("duplicate diagnostics", _set(("diagnostics",), ["x", "x"]), ("diagnostics",)),
]


@pytest.mark.parametrize(
    ("change", "blamed"),
    [pytest.param(change, blamed, id=what) for what, change, blamed in BREAKAGES],
)
def test_the_schema_rejects_what_realign_never_writes(
    validator: jsonschema.Draft202012Validator,
    before: Document,
    change: Callable[[Document], None],
    blamed: tuple[Any, ...],
) -> None:
    assert problems(validator, before) == []
    document = copy.deepcopy(before)
    change(document)
    assert blamed in error_paths(validator, document)


def test_an_info_finding_recommends_nothing(
    validator: jsonschema.Draft202012Validator, before: Document
) -> None:
    document = copy.deepcopy(before)
    finding = document["findings"][0]
    assert finding["actions"]
    finding["severity"] = "info"
    assert ("findings", 0, "actions") in error_paths(validator, document)
    finding["actions"] = []
    assert problems(validator, document) == []


def test_the_overall_light_is_amber_when_capped(
    validator: jsonschema.Draft202012Validator, before: Document
) -> None:
    document = copy.deepcopy(before)
    document["overall"].update(score=90.0, light="red", capped_by="an area is red")
    assert ("overall", "light") in error_paths(validator, document)
    document["overall"]["light"] = "amber"
    assert problems(validator, document) == []


def test_evidence_values_may_be_any_json(
    validator: jsonschema.Draft202012Validator, before: Document
) -> None:
    document = copy.deepcopy(before)
    evidence = document["findings"][0]["evidence"][0]
    evidence["bindings"]["x"] = {"key": {"period": "2024-Q1", "n": [1, 2.5, None, True]}}
    evidence["checks"][0]["actual"] = None
    evidence["checks"][0]["threshold"] = ["a", {"b": 1}]
    document["findings"][0]["explanation"]["params"]["when"] = "2024-03-31"
    assert problems(validator, document) == []


def test_the_wrapper_is_strict(
    validator: jsonschema.Draft202012Validator, before: Document
) -> None:
    wrapper = {"schema": "realign/assessments@1", "assessments": [before, before]}
    assert problems(validator, wrapper) == []
    assert error_paths(validator, {**wrapper, "files": []}) == {()}
    assert error_paths(validator, {**wrapper, "assessments": []}) == {("assessments",)}
    broken = copy.deepcopy(before)
    broken["overall"]["light"] = "yellow"
    assert ("assessments", 1, "overall", "light") in error_paths(
        validator, {**wrapper, "assessments": [before, broken]}
    )
    # A single document is not a wrapper, nor the other way round.
    assert error_paths(validator, {**before, "schema": "realign/assessments@1"})


# --- the documentation keeps up ----------------------------------------------------------


def test_the_documentation_names_every_field(before: Document) -> None:
    text = DOC.read_text(encoding="utf-8")
    finding = before["findings"][0]
    objects = {
        "document": before,
        "assessment": before["assessment"],
        "catalog": before["catalog"],
        "finding": finding,
        "evidence": finding["evidence"][0],
        "check": finding["evidence"][0]["checks"][0],
        "explanation": finding["explanation"],
        "not_evaluable": before["not_evaluable"][0],
        "area": next(iter(before["areas"].values())),
        "overall": before["overall"],
        "coverage": before["coverage"],
        "plan item": before["plan"][0],
    }
    missing = [
        f"{kind}.{key}" for kind, obj in objects.items() for key in obj if f"`{key}`" not in text
    ]
    assert missing == []


def test_the_documentation_mentions_the_schema_command_and_exit_codes() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "realign schema assessment" in text
    codes = re.search(r"## Exit codes of `realign assess`\n(.*?)(?:\n## |\Z)", text, re.S)
    assert codes is not None
    assert re.findall(r"^\| (\d) \|", codes.group(1), re.M) == ["0", "1", "2", "3"]


def test_the_documented_example_validates(validator: jsonschema.Draft202012Validator) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"```json\n(\{\n.*?)```", text, re.S)
    assert example is not None
    assert problems(validator, json.loads(example.group(1))) == []
