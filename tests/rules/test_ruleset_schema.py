"""`realign schema ruleset`: the JSON Schema of rule-set files agrees with the reader.

The reader (``realign.rules.ruleset``) is hand-written, so the schema is written
next to it and these tests keep the two in step: every rule set in the repository
validates; every broken rule set and every ```toml block of the docs is accepted by
the schema exactly when the reader accepts it; generated well-formed documents pass
both, and a random change to one is accepted by both or rejected by both. What the
schema cannot say (``RULESET_SCHEMA_LIMITS``) is shown with an example each.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from realign.cli import main
from realign.loading.dump import jsonable
from realign.rules import ruleset as reader
from realign.rules.ruleset import (
    _SECTIONS,
    AREAS,
    BOUNDED_PARAM_TYPES,
    EFFORTS,
    PARAM_TYPES,
    PHASES,
    ROOT_CAUSES,
    bounds_problem,
    coerce_param,
    parse_ruleset_text,
    ruleset_files,
)
from realign.rules.types import SEVERITIES
from realign.schema import RULESET_SCHEMA_ID, RULESET_SCHEMA_LIMITS, ruleset_schema
from realign.scoring.model import _TREND_KEYS, SCORING_KEYS, ScoringModel

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ruleset_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
DEFS = SCHEMA["$defs"]
MODEL = ScoringModel()


def schema_errors(data: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(jsonable(data))]


def reader_problems(text: str) -> list[str]:
    return [f"{p.path}: {p.code}: {p.message}" for p in parse_ruleset_text(text).problems]


# --- writing documents as TOML -------------------------------------------------------


def _toml_string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML wants DEL escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def to_toml(data: dict[str, Any]) -> str:
    """*data* as a TOML document: one line per top-level key, inline tables below."""
    text = "".join(f"{_toml_string(k)} = {_toml_value(v)}\n" for k, v in data.items())
    assert tomllib.loads(text) == data
    return text


# --- the schema itself ----------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == RULESET_SCHEMA_ID
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["title"]


def _tables(schema: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        if "properties" in schema:
            yield where, schema
        for key, value in schema.items():
            yield from _tables(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _tables(value, f"{where}/{index}")


def test_every_property_has_a_description() -> None:
    missing = [
        f"{where}/{name}"
        for where, table in _tables(SCHEMA)
        if "/if" not in where and "/then" not in where
        for name, prop in table["properties"].items()
        if "description" not in prop
    ]
    assert missing == []


def test_the_tables_have_exactly_the_keys_the_reader_knows() -> None:
    tables = {
        "": SCHEMA,
        "ruleset": DEFS["header"],
        "param": DEFS["param"],
        "rule": DEFS["rule"],
        "requires": DEFS["requirement"],
        "severity_if": DEFS["severity_if"],
        "actions_if": DEFS["actions_if"],
        "action": DEFS["action"],
    }
    assert set(tables) == set(_SECTIONS)
    for section, table in tables.items():
        assert set(table["properties"]) == _SECTIONS[section], section
        assert table["additionalProperties"] is False
    scoring = DEFS["scoring"]
    assert set(scoring["properties"]) == set(SCORING_KEYS)
    assert set(scoring["properties"]["trend"]["properties"]) == set(_TREND_KEYS)
    assert list(scoring["properties"]["factors"]["properties"]) == list(SEVERITIES)
    assert list(scoring["properties"]["weights"]["properties"]) == list(MODEL.weights)


def test_enums_and_patterns_come_from_the_reader() -> None:
    assert DEFS["severity"]["enum"] == list(SEVERITIES)
    assert DEFS["param"]["properties"]["type"]["enum"] == list(PARAM_TYPES)
    assert [c["if"]["properties"]["type"]["const"] for c in DEFS["param"]["allOf"]] == list(
        PARAM_TYPES
    )
    assert DEFS["action"]["properties"]["effort"]["enum"] == list(EFFORTS)
    assert DEFS["action"]["properties"]["phase"]["enum"] == list(PHASES)
    assert DEFS["action"]["properties"]["root_causes"]["items"]["enum"] == list(ROOT_CAUSES)
    assert DEFS["rule"]["properties"]["area"]["examples"] == list(AREAS)
    assert reader._ID.pattern in DEFS["rule_id"]["pattern"]
    assert reader._NAME.pattern in DEFS["name"]["pattern"]
    assert reader._VERSION.pattern in DEFS["header"]["properties"]["version"]["pattern"]


# --- the rule sets of the repository and of the docs --------------------------------


def _repository_rule_sets() -> list[Path]:
    # Test-case files (*.test.toml) are another format, read by realign.testcases.
    return [
        *ruleset_files(ROOT / "rulesets"),
        *ruleset_files(ROOT / "tests" / "data" / "rulesets"),
        *ruleset_files(ROOT / "examples" / "rules"),
        ROOT / "src" / "realign" / "starter" / "rules.toml",
        *(
            path
            for directory in sorted(ROOT.glob("plugins/*/src/**/rulesets"))
            for path in ruleset_files(directory)
        ),
    ]


REPOSITORY = _repository_rule_sets()


def test_the_repository_has_rule_sets_of_every_kind() -> None:
    places = {p.relative_to(ROOT).parts[0] for p in REPOSITORY}
    assert places == {"rulesets", "tests", "examples", "src", "plugins"}
    assert len(REPOSITORY) >= 12


@pytest.mark.parametrize("path", REPOSITORY, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_rule_set_of_the_repository_validates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert reader_problems(text) == []
    assert schema_errors(tomllib.loads(text)) == []


def _parses(path: Path) -> bool:
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        return False
    return True


def _broken_rule_sets() -> list[Path]:
    """The broken and warning rule sets that are TOML (no schema applies to the others)."""
    data = ROOT / "tests" / "data"
    found = [*data.glob("broken_rulesets/**/*.toml"), *data.glob("warning_rulesets/*.toml")]
    # EXPECTED.toml lists what the others must produce; it is not a rule set.
    return sorted(p for p in found if p.name != "EXPECTED.toml" and _parses(p))


BROKEN = _broken_rule_sets()


def test_the_broken_rule_sets_include_structural_mistakes() -> None:
    assert len(BROKEN) >= 50
    rejected = [p for p in BROKEN if reader_problems(p.read_text(encoding="utf-8"))]
    assert len(rejected) >= 10


#: files whose only mistake is one the schema cannot express
_BEYOND_THE_SCHEMA = {"param_default_out_of_range.toml", "param_min_above_max.toml"}


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: str(p.relative_to(ROOT / "tests" / "data")))
def test_the_schema_rejects_the_broken_rule_sets_the_reader_rejects(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems, errors = reader_problems(text), schema_errors(tomllib.loads(text))
    if path.name in _BEYOND_THE_SCHEMA:
        assert problems != []
        assert errors == []
    else:
        assert (problems == []) == (errors == []), (problems, errors)


_FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```", re.M | re.S)


def _doc_rule_sets() -> list[Any]:
    """Every ```toml block of the docs that is a rule set (in rulesets.md, every one)."""
    out = []
    for page in ("docs/rulesets.md", "docs/plugins.md", "README.md"):
        text = (ROOT / page).read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            if match.group(1) != "toml":
                continue
            line = text.count("\n", 0, match.start()) + 1
            try:
                data = tomllib.loads(match.group(2))
            except tomllib.TOMLDecodeError:
                assert page == "docs/rulesets.md", f"{page}:{line} is not TOML"
                continue
            if page == "docs/rulesets.md" or "ruleset" in data:
                out.append(pytest.param(match.group(2), id=f"{page}:{line}"))
    return out


DOC_BLOCKS = _doc_rule_sets()


def test_the_docs_hold_many_rule_sets() -> None:
    assert len(DOC_BLOCKS) >= 40
    assert any("plugins.md" in str(block.id) for block in DOC_BLOCKS)


@pytest.mark.parametrize("text", DOC_BLOCKS)
def test_the_schema_accepts_a_doc_example_exactly_when_the_reader_does(text: str) -> None:
    problems = reader_problems(text)
    errors = schema_errors(tomllib.loads(text))
    if any(": range: " in p for p in problems):  # a default outside its bounds
        assert errors == []
    else:
        assert (problems == []) == (errors == []), (problems, errors)


# --- structural mistakes, one by one ------------------------------------------------

BASE: dict[str, Any] = {
    "ruleset": {
        "id": "sample",
        "version": "1.0.0",
        "title": "A sample",
        "description": "d",
        "realign": ">=0.1,<1",
    },
    "params": {
        "limit": {"type": "integer", "default": 3, "doc": "a limit", "min": 0, "max": 10},
        "window": {"type": "duration", "default": "30d", "doc": "a window"},
        "cutoff": {"type": "date", "default": date(2024, 1, 31), "doc": "a day"},
    },
    "rules": [
        {
            "id": "GOV-01",
            "title": "A recurring escalation theme",
            "area": "governance",
            "severity": "high",
            "when": [
                "count(x in escalations where x.category == e.category "
                "and x.opened within window) >= limit"
            ],
            "for": {"e": "escalations"},
            "requires": [
                "exists governance.escalation_path",
                {"when": "assessment.as_of > cutoff", "reason": "assessed too early"},
            ],
            "severity_if": [{"when": "matches >= 2", "severity": "critical"}],
            "actions_if": [{"when": "matches >= 3", "actions": ["ACT-02"]}],
            "message": "escalations about {e.category}",
            "rationale": "why",
            "sources": ["a source"],
            "actions": ["ACT-01"],
            "tags": ["structure"],
            "enabled": True,
            "emit": {"governance.hot_theme": "e.category"},
        }
    ],
    "actions": [
        {
            "id": "ACT-01",
            "title": "Do it",
            "description": "how",
            "effort": "S",
            "impact_days": 30,
            "owner": "both",
            "root_causes": ["G"],
            "phase": "structure",
            "done_when": "done",
            "sources": ["a source"],
        },
        {"id": "ACT-02", "title": "Do more"},
    ],
    "scoring": {
        "catalog_version": "1.0",
        "factors": {"high": 0.25},
        "bands": {"green": 80, "amber": 55},
        "weights": dict(MODEL.weights),
        "trend": {"run": 3, "run_total": 4.0, "step": 12},
        "low_confidence": 0.7,
        "plan_size": 5,
    },
}

Path_ = tuple[str | int, ...]
_DELETE = object()


def _changed(data: Any, path: Path_, value: Any) -> Any:
    """A copy of *data* with *value* at *path* (``_DELETE`` removes it)."""
    if isinstance(data, list):
        out_list = list(data)
        index = int(path[0])
        if len(path) > 1:
            out_list[index] = _changed(out_list[index], path[1:], value)
        elif value is _DELETE:
            del out_list[index]
        else:
            out_list[index] = value
        return out_list
    out = dict(data)
    key = str(path[0])
    if len(path) > 1:
        out[key] = _changed(out[key], path[1:], value)
    elif value is _DELETE:
        del out[key]
    else:
        out[key] = value
    return out


R: Path_ = ("rules", 0)
A: Path_ = ("actions", 0)
S: Path_ = ("scoring",)
MISTAKES: list[tuple[str, Path_, Any]] = [
    ("unknown top-level key", ("rulez",), []),
    ("[ruleset] not a table", ("ruleset",), "x"),
    ("no [ruleset]", ("ruleset",), _DELETE),
    ("unknown header key", ("ruleset", "name"), "x"),
    ("header id missing", ("ruleset", "id"), _DELETE),
    ("header id not an id", ("ruleset", "id"), "1st"),
    ("version missing", ("ruleset", "version"), _DELETE),
    ("version not a version", ("ruleset", "version"), "v1"),
    ("version a number", ("ruleset", "version"), 1),
    ("title missing", ("ruleset", "title"), _DELETE),
    ("description not a string", ("ruleset", "description"), ["d"]),
    ("realign not a range", ("ruleset", "realign"), "0.1"),
    ("realign with an empty clause", ("ruleset", "realign"), ">=0.1,"),
    ("params not a table", ("params",), []),
    ("param name not a name", ("params", "Limit"), BASE["params"]["limit"]),
    ("param not a table", ("params", "limit"), 3),
    ("unknown param key", ("params", "limit", "unit"), "days"),
    ("param type missing", ("params", "limit", "type"), _DELETE),
    ("param type unknown", ("params", "limit", "type"), "count"),
    ("param default missing", ("params", "limit", "default"), _DELETE),
    ("param doc missing", ("params", "limit", "doc"), _DELETE),
    ("param min not a number", ("params", "limit", "min"), "0"),
    ("param max a boolean", ("params", "limit", "max"), True),
    ("integer default with a fraction", ("params", "limit", "default"), 2.5),
    ("integer default a boolean", ("params", "limit", "default"), False),
    ("duration default without a unit", ("params", "window", "default"), "30"),
    ("duration default in months", ("params", "window", "default"), "3m"),
    ("date default not a date", ("params", "cutoff", "default"), "31/01/2024"),
    ("date default a number", ("params", "cutoff", "default"), 20240131),
    ("a date param with a min", ("params", "cutoff", "min"), 0),
    ("a date param with a max", ("params", "cutoff", "max"), 20240131),
    ("rules not an array", ("rules",), {"id": "x"}),
    ("a rule not a table", (*R,), "GOV-01"),
    ("unknown rule key", (*R, "severty"), "high"),
    ("rule id missing", (*R, "id"), _DELETE),
    ("rule id with a space", (*R, "id"), "GOV 01"),
    ("rule title missing", (*R, "title"), _DELETE),
    ("rule title a number", (*R, "title"), 1),
    ("area missing", (*R, "area"), _DELETE),
    ("area not a name", (*R, "area"), "Early Warning"),
    ("severity missing", (*R, "severity"), _DELETE),
    ("severity unknown", (*R, "severity"), "hgh"),
    ("when missing", (*R, "when"), _DELETE),
    ("when empty", (*R, "when"), []),
    ("when holds a number", (*R, "when"), ["x > 1", 2]),
    ("when a table", (*R, "when"), {"all": "x"}),
    ("for not a table", (*R, "for"), ["partners"]),
    ("binding name not a name", (*R, "for"), {"P": "partners"}),
    ("binding not a string", (*R, "for"), {"p": ["partners"]}),
    ("requires a table", (*R, "requires"), {"when": "x exists"}),
    ("requirement a number", (*R, "requires", 0), 1),
    ("unknown requirement key", (*R, "requires", 1, "why"), "no y"),
    ("requirement without when", (*R, "requires", 1, "when"), _DELETE),
    ("requirement reason a list", (*R, "requires", 1, "reason"), ["no y"]),
    ("severity_if not an array", (*R, "severity_if"), {"when": "x", "severity": "low"}),
    ("severity_if entry a string", (*R, "severity_if", 0), "x > 5"),
    ("severity_if without when", (*R, "severity_if", 0, "when"), _DELETE),
    ("severity_if without severity", (*R, "severity_if", 0, "severity"), _DELETE),
    ("severity_if severity unknown", (*R, "severity_if", 0, "severity"), "critcal"),
    ("unknown severity_if key", (*R, "severity_if", 0, "actions"), ["ACT-01"]),
    ("actions_if without actions", (*R, "actions_if", 0, "actions"), _DELETE),
    ("actions_if with no actions", (*R, "actions_if", 0, "actions"), []),
    ("actions_if action not a string", (*R, "actions_if", 0, "actions"), [1]),
    ("actions_if when a number", (*R, "actions_if", 0, "when"), 1),
    ("message not a string", (*R, "message"), ["x"]),
    ("rationale not a string", (*R, "rationale"), 1),
    ("sources not an array", (*R, "sources"), "a source"),
    ("action id not a string", (*R, "actions"), ["ACT-01", 2]),
    ("tags hold a table", (*R, "tags"), [{"a": "b"}]),
    ("enabled a string", (*R, "enabled"), "yes"),
    ("emit not a table", (*R, "emit"), ["x"]),
    ("emit name not dotted", (*R, "emit"), {"Governance.Flag": "x"}),
    ("emit value not a string", (*R, "emit"), {"governance.flag": True}),
    ("actions not an array", ("actions",), {"id": "ACT-01"}),
    ("an action not a table", (*A,), "ACT-01"),
    ("unknown action key", (*A, "effrot"), "S"),
    ("action id missing", (*A, "id"), _DELETE),
    ("action id not an id", (*A, "id"), "-1"),
    ("action title missing", (*A, "title"), _DELETE),
    ("effort unknown", (*A, "effort"), "XL"),
    ("phase unknown", (*A, "phase"), "plan"),
    ("impact_days negative", (*A, "impact_days"), -1),
    ("impact_days with a fraction", (*A, "impact_days"), 1.5),
    ("impact_days a string", (*A, "impact_days"), "30"),
    ("root cause unknown", (*A, "root_causes"), ["G", "X"]),
    ("owner not a string", (*A, "owner"), False),
    ("[scoring] not a table", S, 1),
    ("unknown scoring key", (*S, "plan"), 5),
    ("catalog_version empty", (*S, "catalog_version"), ""),
    ("catalog_version a number", (*S, "catalog_version"), 1.0),
    ("factor of an unknown severity", (*S, "factors", "severe"), 0.3),
    ("factor above 1", (*S, "factors", "high"), 1.5),
    ("factors not a table", (*S, "factors"), [0.1]),
    ("band of an unknown light", (*S, "bands", "red"), 10),
    ("band above 100", (*S, "bands", "green"), 101),
    ("weight not a number", (*S, "weights", "market"), "0.15"),
    ("weight negative", (*S, "weights", "market"), -0.15),
    ("unknown trend key", (*S, "trend", "window"), 3),
    ("trend run below 2", (*S, "trend", "run"), 1),
    ("trend run with a fraction", (*S, "trend", "run"), 3.5),
    ("trend step a boolean", (*S, "trend", "step"), True),
    ("low_confidence above 1", (*S, "low_confidence"), 80),
    ("plan_size zero", (*S, "plan_size"), 0),
    ("plan_size with a fraction", (*S, "plan_size"), 5.5),
]


def test_the_base_document_is_well_formed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert reader_problems(to_toml(BASE)) == []
    assert schema_errors(BASE) == []
    assert _check(BASE, tmp_path, capsys) == 0


@pytest.mark.parametrize(
    ("path", "value"), [pytest.param(p, v, id=name) for name, p, v in MISTAKES]
)
def test_a_mistake_the_reader_rejects_is_rejected_by_the_schema(path: Path_, value: Any) -> None:
    data = _changed(BASE, path, value)
    assert reader_problems(to_toml(data)) != []
    assert schema_errors(data) != []


# --- what the schema cannot express --------------------------------------------------

_RULE = {"id": "R-01", "title": "t", "area": "governance", "severity": "low", "when": "true"}
#: (the limit, by its index in RULESET_SCHEMA_LIMITS; the document)
BEYOND: list[tuple[int, dict[str, Any]]] = [
    (0, _changed(BASE, (*R, "when"), "x >")),
    (0, _changed(BASE, (*R, "when"), "partners.nickname == 1")),
    (1, _changed(BASE, ("rules",), [*BASE["rules"], BASE["rules"][0]])),
    (1, _changed(BASE, (*R, "actions"), ["ACT-99"])),
    (2, _changed(BASE, ("params", "limit", "default"), 11)),
    (2, _changed(_changed(BASE, ("params", "limit", "min"), 9), ("params", "limit", "max"), 8)),
    (3, _changed(BASE, (*S, "weights", "market"), 0.5)),
    (3, _changed(BASE, (*S, "bands"), {"green": 50, "amber": 55})),
    (4, _changed(BASE, ("params", "cutoff", "default"), "20240230")),
    (5, _changed(BASE, ("params", "limit", "default"), 3.0)),
    (5, _changed(BASE, (*A, "impact_days"), 30.0)),
    (6, _changed(BASE, ("ruleset", "title"), date(2024, 1, 31))),
]


def _check(data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    path = tmp_path / "limit.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    code = main(["check", str(path)])
    capsys.readouterr()
    return code


def test_the_limits_are_stated_in_the_schema() -> None:
    for limit in RULESET_SCHEMA_LIMITS:
        assert limit in SCHEMA["description"]
    assert {index for index, _ in BEYOND} == set(range(len(RULESET_SCHEMA_LIMITS)))


@pytest.mark.parametrize(("limit", "data"), BEYOND)
def test_realign_check_rejects_what_the_schema_cannot_express(
    limit: int, data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert schema_errors(data) == [], RULESET_SCHEMA_LIMITS[limit]
    assert _check(data, tmp_path, capsys) == 2


def test_a_date_time_is_not_a_date_default() -> None:
    data = _changed(BASE, ("params", "cutoff", "default"), "2024-01-31T10:00:00")
    assert schema_errors(data) != []
    text = to_toml(BASE).replace("2024-01-31", "2024-01-31T10:00:00")
    assert reader_problems(text) != []


# --- generated documents ---------------------------------------------------------------

texts = st.text(max_size=8)
ids = st.from_regex(reader._ID, fullmatch=True)
names = st.from_regex(reader._NAME, fullmatch=True)
severities = st.sampled_from(SEVERITIES)


def _week_date(day: date) -> str:
    year, week, weekday = day.isocalendar()
    return f"{year:04d}-W{week:02d}-{weekday}"


_DEFAULTS: dict[str, st.SearchStrategy[Any]] = {
    "number": st.integers(-50, 50) | st.floats(-50, 50),
    "integer": st.integers(-50, 50),
    "duration": st.integers(0, 50) | st.from_regex(r"[0-7][0-9]?[dw]", fullmatch=True),
    "date": st.dates()
    | st.dates().map(date.isoformat)
    | st.dates().map(lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}")
    | st.dates().map(_week_date),
    "string": texts,
    "boolean": st.booleans(),
}


@st.composite
def params(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(PARAM_TYPES))
    param = {"type": kind, "default": draw(_DEFAULTS[kind]), "doc": draw(texts)}
    if kind not in BOUNDED_PARAM_TYPES:
        return param
    # Bounds beyond every generated default, so none is out of range: a duration's
    # reaches 79 weeks, 553 days.
    low = draw(st.none() | st.integers(-100, -60) | st.floats(-100, -60))
    high = draw(st.none() | st.integers(600, 1000) | st.floats(600, 1000))
    if low is not None:
        param["min"] = low
    if high is not None:
        param["max"] = high
    return param


conditions = texts
rules = st.fixed_dictionaries(
    {
        "id": ids,
        "title": texts,
        "area": st.sampled_from(AREAS) | names,
        "severity": severities,
        "when": conditions | st.lists(conditions, min_size=1, max_size=2),
    },
    optional={
        "for": st.dictionaries(names, texts, max_size=2),
        "requires": conditions
        | st.lists(
            conditions | st.fixed_dictionaries({"when": conditions}, optional={"reason": texts}),
            max_size=2,
        ),
        "severity_if": st.lists(
            st.fixed_dictionaries({"when": conditions, "severity": severities}), max_size=2
        ),
        "actions_if": st.lists(
            st.fixed_dictionaries(
                {"when": conditions, "actions": st.lists(ids, min_size=1, max_size=2)}
            ),
            max_size=2,
        ),
        "message": texts,
        "rationale": texts,
        "sources": st.lists(texts, max_size=2),
        "actions": st.lists(ids, max_size=2),
        "tags": st.lists(texts, max_size=2),
        "enabled": st.booleans(),
        "emit": st.dictionaries(
            st.from_regex(reader._FACT_NAME, fullmatch=True), texts, max_size=2
        ),
    },
)
actions = st.fixed_dictionaries(
    {"id": ids, "title": texts},
    optional={
        "description": texts,
        "effort": st.sampled_from(EFFORTS),
        "impact_days": st.integers(0, 400),
        "owner": texts,
        "root_causes": st.lists(st.sampled_from(ROOT_CAUSES), max_size=3),
        "phase": st.sampled_from(PHASES),
        "done_when": texts,
        "sources": st.lists(texts, max_size=2),
    },
)
unit = st.floats(0, 1)
scoring = st.fixed_dictionaries(
    {},
    optional={
        "catalog_version": st.text(min_size=1, max_size=6),
        "factors": st.dictionaries(severities, unit, max_size=3),
        # green above the default amber and amber below the default green, so the bands
        # keep their order whichever of the two is written
        "bands": st.fixed_dictionaries(
            {}, optional={"green": st.floats(61, 100), "amber": st.floats(0, 59)}
        ),
        # the standard weights reshuffled, and perhaps a plugin's area that weighs nothing
        "weights": st.builds(
            lambda weights, more: {**dict(zip(MODEL.weights, weights, strict=True)), **more},
            st.permutations(list(MODEL.weights.values())),
            st.dictionaries(
                names.filter(lambda n: n not in MODEL.weights), st.just(0.0), max_size=1
            ),
        ),
        "trend": st.fixed_dictionaries(
            {},
            optional={
                "run": st.integers(2, 100),
                "run_total": st.floats(0, 100),
                "step": st.floats(0, 100),
            },
        ),
        "low_confidence": unit,
        "plan_size": st.integers(1, 1000),
    },
)
headers = st.fixed_dictionaries(
    {"id": ids, "version": st.from_regex(reader._VERSION, fullmatch=True), "title": texts},
    optional={
        "description": texts,
        "realign": st.lists(
            st.from_regex(reader._CLAUSE, fullmatch=True), min_size=1, max_size=2
        ).map(",".join),
    },
)
documents = st.fixed_dictionaries(
    {"ruleset": headers},
    optional={
        "params": st.dictionaries(names, params(), max_size=3),
        "rules": st.lists(rules, max_size=2),
        "actions": st.lists(actions, max_size=2),
        "scoring": scoring,
    },
)


@given(documents)
def test_a_well_formed_document_passes_the_reader_and_the_schema(data: dict[str, Any]) -> None:
    assert reader_problems(to_toml(data)) == []
    assert schema_errors(data) == []


# A value put anywhere: the near misses make enums and patterns match now and then.
_NEAR = st.sampled_from(
    ["", "high", "hgh", "GOV-01", "a b", "number", "S", "G", "diagnose", "30d", "2024-01-31"]
)
_SCALARS = (
    _NEAR
    | texts
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    # whole numbers written with a fraction are beyond the schema (JSON cannot tell)
    | st.floats(-1e6, 1e6).filter(lambda x: not x.is_integer())
)
values = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_NEAR | texts, inner, max_size=2),
    max_leaves=4,
)


def _places(data: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every place in *data*: each value's path."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        yield (*path, key)
        if isinstance(value, dict | list):
            yield from _places(value, (*path, key))


def _tables_of(data: Any, path: Path_ = ()) -> Iterator[Path_]:
    if isinstance(data, dict):
        yield path
    if isinstance(data, dict | list):
        items = data.items() if isinstance(data, dict) else enumerate(data)
        for key, value in items:
            yield from _tables_of(value, (*path, key))


def _get(data: Any, path: Path_) -> Any:
    for key in path:
        data = data[key]
    return data


def _beyond_the_schema(data: dict[str, Any]) -> bool:
    """Whether *data* breaks a rule of RULESET_SCHEMA_LIMITS (the reader's own checks)."""
    table = data.get("params")
    for spec in table.values() if isinstance(table, dict) else ():
        if not isinstance(spec, dict) or spec.get("type") not in PARAM_TYPES:
            continue
        value, error = coerce_param(spec["type"], spec.get("default"))
        low, high = spec.get("min"), spec.get("max")
        numbers = all(isinstance(b, int | float) and not isinstance(b, bool) for b in (low, high))
        if error is None and numbers and bounds_problem(value, low, high):
            return True
        alone = {"ruleset": BASE["ruleset"], "params": {"d": spec}}
        if spec["type"] == "date" and error is not None and not schema_errors(alone):
            return True  # a day the calendar lacks, in a form the schema's pattern accepts
    model = data.get("scoring")
    if isinstance(model, dict):
        weights = model.get("weights", {})
        in_range = isinstance(weights, dict) and all(_unit(w) for w in weights.values())
        if in_range and not math.isclose(
            sum({**MODEL.weights, **weights}.values()), 1, abs_tol=1e-6
        ):
            return True
        bands = model.get("bands", {})
        if isinstance(bands, dict) and all(_unit(b, 100) for b in bands.values()):
            return bool(bands.get("amber", MODEL.amber) >= bands.get("green", MODEL.green))
    return False


def _unit(value: Any, high: float = 1) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= high


@given(documents, st.data())
def test_after_any_change_the_schema_and_the_reader_agree(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    change = draw.draw(st.sampled_from(("set", "delete", "add")), label="change")
    if change == "add":
        table = draw.draw(st.sampled_from(list(_tables_of(data))), label="table")
        key = draw.draw(_NEAR | texts, label="key")
        changed = _changed(data, (*table, key), draw.draw(values, label="value"))
    else:
        place = draw.draw(st.sampled_from(list(_places(data))), label="place")
        value = _DELETE if change == "delete" else draw.draw(values, label="value")
        changed = _changed(data, place, value)
    assume(not _beyond_the_schema(changed))
    problems = reader_problems(to_toml(changed))
    errors = schema_errors(changed)
    assert (problems == []) == (errors == []), (problems, errors)


# --- the command -----------------------------------------------------------------------


def test_realign_schema_ruleset_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "ruleset"]) == 0
    assert json.loads(capsys.readouterr().out) == ruleset_schema()


def test_an_unknown_schema_is_a_usage_error_naming_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema", "rulesets"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'rulesets'" in err
    for which in ("facts", "ruleset", "assessment", "plugins"):
        assert f"'{which}'" in err
