"""Property tests: dump → load round trips, loader robustness, and total, order-blind enrichment.

The partnerships come from :mod:`realign.testing.strategies`, the same public
strategies plugin authors use, so these tests also keep those strategies honest:
every generated partnership must load.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import tomllib
from collections.abc import Mapping
from typing import Any

import attrs
import pytest
import toml
from hypothesis import example, given, note, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from toml.decoder import InlineTableDict

import realign
from realign import FactError, FactSource, Partnership
from realign.loading._positions import json_source_map, toml_source_map
from realign.loading.dump import _TomlEncoder, to_data
from realign.model import (
    Assessment,
    Direction,
    Escalation,
    EscalationCategory,
    HealthCheck,
    Kpi,
    KpiPoint,
    MarketSignal,
    Meeting,
    MeetingType,
    Objective,
    ObjectiveLevel,
    Partner,
    PartnershipProfile,
    PartnershipType,
    ResourceCommitment,
    SignalType,
)
from realign.rules.values import is_unknown
from realign.testing.strategies import (
    dates_before,
    free_text,
    identifiers,
    partner_ids,
    partnerships,
    periods,
)

Path = tuple[str | int, ...]
FORMATS = ("json", "toml")
SCHEMA = Draft202012Validator(realign.facts_schema())


def load(text: str, fmt: str) -> Partnership:
    return realign.load_partnership(FactSource.from_text(text, format=fmt)).partnership


def json_text(data: Any) -> str:
    return json.dumps(data, default=lambda d: d.isoformat(), indent=2, ensure_ascii=False)


def toml_text(data: Any) -> str:
    # realign's own encoder: toml's default one writes control characters wrongly.
    return toml.dumps(data, encoder=_TomlEncoder())


class _Inline(dict[str, Any], InlineTableDict):
    """A table toml writes inline, as realign's dump writes mapping fields."""


def _with_inline_mappings(p: Partnership, data: dict[str, Any]) -> dict[str, Any]:
    """*data* (``to_data(p)``) with every mapping field marked inline, as dumps write them.

    toml's section layout drops an empty table nested in an array of tables (a
    partner's empty health-check scores), so it must not be written as a section.
    """

    def inline(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return _Inline({k: inline(v) for k, v in value.items()})

    for path, cls in _model_nodes(p):
        node, record = _get(data, path), _get_model(p, path)
        for field in attrs.fields(cls):
            if isinstance(getattr(record, field.name), Mapping) and field.name in node:
                node[field.name] = inline(node[field.name])
    return data


# --- the strategies themselves --------------------------------------------------------


@given(
    as_of=st.dates(dt.date(2001, 1, 1), dt.date(2039, 12, 31)),
    data=st.data(),
)
def test_building_blocks_respect_their_bounds(as_of: dt.date, data: st.DataObject) -> None:
    day = data.draw(dates_before(as_of, max_days=400))
    assert as_of - dt.timedelta(days=400) <= day <= as_of
    period = data.draw(periods(latest="2024-Q2", span=5))
    assert "2023-Q2" <= period <= "2024-Q2"
    ids = data.draw(partner_ids(min_size=2, max_size=3))
    assert 2 <= len(ids) <= 3
    assert len(set(ids)) == len(ids)
    ident = data.draw(identifiers())
    assert ident
    assert ident == ident.strip()
    assert len(data.draw(free_text(max_size=5))) <= 5


@given(data=st.data())
@settings(max_examples=10)
def test_partnerships_honour_a_fixed_as_of_and_partner_count(data: st.DataObject) -> None:
    as_of = dt.date(2025, 6, 30)
    p = data.draw(partnerships(min_partners=3, max_partners=3, as_of=as_of))
    assert p.assessment.as_of == as_of
    assert len(p.partners) == 3


def test_partnerships_refuse_impossible_arguments() -> None:
    with pytest.raises(ValueError, match="two partners"):
        partnerships(min_partners=1)
    with pytest.raises(ValueError, match="max_partners"):
        partnerships(min_partners=3, max_partners=2)
    with pytest.raises(ValueError, match="as_of"):
        partnerships(as_of=dt.date(1, 1, 1))


# --- dump → load ----------------------------------------------------------------------


@given(partnerships())
def test_json_round_trip_is_exact_and_matches_the_schema(p: Partnership) -> None:
    text = realign.dump_partnership(p, "json")
    assert load(text, "json") == p
    SCHEMA.validate(json.loads(text))


@given(partnerships())
def test_toml_round_trip_is_exact(p: Partnership) -> None:
    assert load(realign.dump_partnership(p, "toml"), "toml") == p


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(realign.facts_schema())


def _minimal(**changes: Any) -> Partnership:
    p = Partnership(
        assessment=Assessment(
            id="A", partnership_id="P", as_of=dt.date(2025, 6, 30), period="2025-Q2"
        ),
        partnership=PartnershipProfile(id="P", name="P", type=PartnershipType.CO_SELL),
        partners=(Partner(id="a", name="A"), Partner(id="b", name="B")),
    )
    return attrs.evolve(p, **changes)


def _named(name: str) -> Partnership:
    p = _minimal()
    return attrs.evolve(p, partnership=attrs.evolve(p.partnership, name=name))


def _odd_partner(pid: str) -> Partnership:
    """A partner id that must be quoted as a TOML key, used as a key and as a value."""
    return _minimal(
        partners=(Partner(id=pid, name="A"), Partner(id="b", name="B")),
        objectives=(
            Objective(id="O", title="O", level=ObjectiveLevel.STRATEGIC, priority={pid: 3}),
        ),
        escalations=(
            Escalation(
                id="E",
                opened=dt.date(2025, 6, 1),
                raised_by=pid,
                category=EscalationCategory.OTHER,
            ),
        ),
    )


# Values toml 0.10.2's own encoder wrote wrongly (it writes strings with repr()): kept
# as regression cases for realign's TOML writer, which replaces those parts of it.
TOML_REGRESSIONS = [
    pytest.param(_named("\x00"), id="NUL-alone-raised-IndexError"),
    pytest.param(_named("\x1b[0m"), id="leading-ESC-raised-IndexError"),
    pytest.param(_named("a\x00"), id="NUL-became-x00"),
    pytest.param(_named("caf\xe9\xa0bar\xad\x85\x7f"), id="NBSP-SHY-NEL-DEL-became-xNN"),
    pytest.param(_named("C:\\x64"), id="backslash-x-gave-invalid-TOML"),
    pytest.param(_named("\"\"\"\\u0041''' #"), id="quotes-and-escape-lookalikes"),
    pytest.param(
        _minimal(
            health_checks=(HealthCheck(date=dt.date(2025, 6, 1), scores={"a": {}}),),
        ),
        id="empty-score-table-in-array-of-tables-was-dropped",
    ),
    pytest.param(_odd_partner('x y."q"'), id="quoted-key-with-dot-space-quote"),
    pytest.param(_odd_partner('caf\xe9 \\ "\u2028" \U0001f600'), id="quoted-key-with-escapes"),
]


@pytest.mark.parametrize("p", TOML_REGRESSIONS)
def test_toml_dump_writes_what_it_is_given(p: Partnership) -> None:
    assert load(realign.dump_partnership(p, "toml"), "toml") == p


# --- the schema and the loader agree on bounded strings ------------------------------


def _doc(period: str = "2025-Q2", partner: str = "a", currency: str = "EUR") -> dict[str, Any]:
    return {
        "assessment": {"id": "A", "partnership_id": "P", "as_of": "2025-06-30", "period": period},
        "partnership": {
            "id": "P",
            "name": "P",
            "type": "co_sell",
            "value_at_stake": {"amount": 1.0, "currency": currency},
        },
        # The second id is longer than any generated value, so never a duplicate.
        "partners": [{"id": partner, "name": "A"}, {"id": "the-other-partner", "name": "B"}],
    }


def _loads(doc: dict[str, Any]) -> bool:
    try:
        realign.load_partnership(FactSource.from_text(json.dumps(doc), format="json"))
    except FactError:
        return False
    return True


_SCALAR_TEXT = st.text(
    st.one_of(
        st.sampled_from("0123456789-Q ABCEUR\t\n\r\x00\x1f\x7f\xa0\u0662\u2028"),
        st.characters(codec="utf-8"),
    ),
    max_size=9,
)


@pytest.mark.parametrize("field", ["period", "partner", "currency"])
@given(value=_SCALAR_TEXT)
@example(value="a\nb")  # an id with a newline inside once loaded but failed the schema
@example(value="\u0662\u0660\u0662\u0665-Q2")  # Arabic-Indic digits once made a period
@example(value="2025-Q2")
def test_schema_and_loader_agree_on_bounded_strings(field: str, value: str) -> None:
    # A trailing newline is the one known disagreement: see the test below.
    if value.endswith("\n"):
        return
    doc = _doc(**{field: value})
    assert SCHEMA.is_valid(doc) == _loads(doc)


@pytest.mark.parametrize(("field", "value"), [("period", "2025-Q2\n"), ("partner", "a\n")])
def test_schema_and_loader_agree_on_a_trailing_newline(field: str, value: str) -> None:
    doc = _doc(**{field: value})
    assert SCHEMA.is_valid(doc) == _loads(doc)


# --- data gaps ------------------------------------------------------------------------


def _loads_with_gap(gap: str, **partnership: Any) -> realign.FactSet:
    doc = _doc()
    doc["assessment"]["data_gaps"] = [gap]
    doc["partnership"].update(partnership)
    pm = realign.get_plugin_manager(load_entrypoints=False)
    return realign.load_facts(
        FactSource.from_text(json.dumps(doc), format="json"), plugin_manager=pm
    )


def test_culture_can_be_declared_a_data_gap_when_the_file_has_none() -> None:
    """Regression: an omitted [culture] (now an empty Culture()) once counted as facts."""
    assert not _loads_with_gap("culture").is_known("culture.profiles")


def test_a_stated_value_cannot_be_declared_a_data_gap() -> None:
    """Regression: a stated scalar once passed as a data gap, and then read as unknown."""
    with pytest.raises(FactError, match="data gap"):
        _loads_with_gap("partnership.stage", stage="launch")


# --- loading arbitrary input ----------------------------------------------------------


def _load_or_fact_error(source: FactSource) -> None:
    try:
        realign.load_partnership(source)
    except FactError as exc:
        problems = exc.problems
    else:
        return
    assert problems
    for problem in problems:
        assert problem.message.strip()


@pytest.mark.parametrize("fmt", FORMATS)
@given(text=st.text())
def test_arbitrary_text_loads_or_raises_fact_error(fmt: str, text: str) -> None:
    _load_or_fact_error(FactSource.from_text(text, format=fmt))


@pytest.mark.parametrize("fmt", FORMATS)
@given(content=st.binary())
def test_arbitrary_bytes_load_or_raise_fact_error(fmt: str, content: bytes) -> None:
    _load_or_fact_error(FactSource(name=f"x.{fmt}", content=content, format=fmt))


@pytest.mark.parametrize("fmt", FORMATS)
@given(data=st.data())
@settings(max_examples=30)
def test_spliced_fact_files_load_or_raise_fact_error(fmt: str, data: st.DataObject) -> None:
    """Valid files with a few characters cut or inserted: near misses reach the deep code."""
    text = realign.dump_partnership(data.draw(partnerships()), fmt)
    for _ in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 8)))
        insert = data.draw(st.text(alphabet='[]{}"=,.:#\\\n 0a-', max_size=3))
        text = text[:start] + insert + text[end:]
    _load_or_fact_error(FactSource.from_text(text, format=fmt))


# --- mutation fuzz --------------------------------------------------------------------

DANGLING = "dangling!ref"
UNKNOWN_KEY = "zz_not_a_field"
# The first entry the old value is an instance of applies (so bool comes before int).
REPLACEMENTS: dict[type, list[Any]] = {
    bool: ["yes", 1],
    int: ["7", True, [7]],
    float: ["1.5", False],
    str: [42, True, ["x"], {"k": 1}],
    dt.date: [True, 20250101, "not a date"],
    list: ["x", 5],
    dict: ["x", 5, [1, 2]],
}
# Each reference site: the path of its records ("*" is any index), the field, and
# whether the reference is the field's value, each item of it, or each key of it.
REFERENCES: list[tuple[Path, str, str]] = [
    (("assessment",), "partnership_id", "value"),
    (("objectives", "*"), "agreed_by", "items"),
    (("objectives", "*"), "priority", "keys"),
    (("objectives", "*"), "kpi_ids", "items"),
    (("governance", "steering_committee", "members", "*"), "partner", "value"),
    (("meetings", "*"), "exec_attendance", "keys"),
    (("meetings", "*"), "signals_discussed", "items"),
    (("action_items", "*"), "meeting_id", "value"),
    (("escalations", "*"), "raised_by", "value"),
    (("resource_commitments", "*"), "partner", "value"),
    (("milestones", "*"), "owner", "value"),
    (("culture", "profiles", "*"), "partner", "value"),
    (("culture", "integration_activities", "*"), "participants", "keys"),
    (("market_signals", "*"), "affects_objectives", "items"),
    (("assumptions", "*"), "objectives", "items"),
    (("kpis", "*"), "owner", "value"),
    (("pulse_surveys", "*"), "respondent_org", "value"),
    (("health_checks", "*"), "scores", "keys"),
    (("feedback_channels", "*"), "open_to", "items"),
    (("learning_log", "*"), "author_org", "value"),
    (("learning_log", "*"), "linked_to", "value"),
]


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _exists(data: Any, path: Path) -> bool:
    for part in path:
        in_table = isinstance(data, dict) and part in data
        in_array = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_table or in_array):
            return False
        data = data[part]
    return True


def _expand(data: Any, pattern: Path, prefix: Path = ()) -> list[Path]:
    """Concrete paths matching *pattern*, where "*" matches every index of a list."""
    if not pattern:
        return [prefix]
    head, *rest = pattern
    if head == "*":
        if not isinstance(data, list):
            return []
        return [p for i, item in enumerate(data) for p in _expand(item, tuple(rest), (*prefix, i))]
    if not isinstance(data, dict) or head not in data:
        return []
    return _expand(data[head], tuple(rest), (*prefix, head))


def _get_model(obj: Any, path: Path) -> Any:
    for part in path:
        obj = obj[part] if isinstance(part, int) else getattr(obj, part)
    return obj


def _model_nodes(obj: Any, path: Path = ()) -> list[tuple[Path, type]]:
    """Every record and table of the model, with its path in the dumped data."""
    found = [(path, type(obj))]
    for field in attrs.fields(type(obj)):
        value = getattr(obj, field.name)
        if attrs.has(type(value)):
            found += _model_nodes(value, (*path, field.name))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if attrs.has(type(item)):
                    found += _model_nodes(item, (*path, field.name, i))
    return found


def _leaves(data: Any, path: Path = ()) -> list[Path]:
    """Every key and element path of plain data, containers included."""
    items: Any = data.items() if isinstance(data, dict) else enumerate(data)
    found = []
    for key, value in items:
        found.append((*path, key))
        if isinstance(value, dict | list):
            found += _leaves(value, (*path, key))
    return found


@st.composite
def mutations(draw: st.DrawFn, p: Partnership, fmt: str, kind: str) -> tuple[Path, dict[str, Any]]:
    """One invalidating edit of *kind* to *p*'s data: (path it concerns, mutated data)."""
    data = _with_inline_mappings(p, to_data(p))
    nodes = _model_nodes(p)
    required = [
        (*path, field.name)
        for path, cls in nodes
        for field in attrs.fields(cls)
        if field.default is attrs.NOTHING and _exists(data, (*path, field.name))
    ]
    references: list[tuple[Path, str]] = []
    for records, field, site in REFERENCES:
        for record in _expand(data, records):
            here = (*record, field)
            if not _exists(data, here):
                continue
            if site == "value":
                references.append((here, "value"))
            elif site == "items":
                references += [((*here, i), "value") for i in range(len(_get(data, here)))]
            else:
                references += [((*here, key), "key") for key in _get(data, here)]

    def replacements(path: Path) -> list[Any]:
        old = _get(data, path)
        candidates = next(v for t, v in REPLACEMENTS.items() if isinstance(old, t))
        parent = _get(data, path[:-1])
        if fmt == "toml" and isinstance(parent, list):
            # toml.dumps raises on an array that mixes tables with other values.
            if isinstance(parent[0], dict):
                return []
            return [c for c in candidates if not isinstance(c, dict)]
        return candidates

    mutated = copy.deepcopy(data)
    if kind == "drop":
        path = draw(st.sampled_from(required))
        del _get(mutated, path[:-1])[path[-1]]
    elif kind == "retype":
        path = draw(st.sampled_from([p for p in _leaves(data) if replacements(p)]))
        _get(mutated, path[:-1])[path[-1]] = draw(st.sampled_from(replacements(path)))
    elif kind == "unknown":
        path = (*draw(st.sampled_from([n for n, _ in nodes])), UNKNOWN_KEY)
        _get(mutated, path[:-1])[path[-1]] = draw(st.sampled_from([1, "x", True]))
    else:
        assert kind == "dangle"
        path, how = draw(st.sampled_from(references))
        parent = _get(mutated, path[:-1])
        if how == "value":
            parent[path[-1]] = DANGLING
        else:
            parent[DANGLING] = parent.pop(path[-1])
            path = (*path[:-1], DANGLING)
    return path, mutated


EXPECTED_CODES = {
    "drop": {"missing"},
    "retype": {"type", "range", "invalid"},
    "unknown": {"unknown-key"},
    "dangle": {"reference"},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_CODES))
@pytest.mark.parametrize("fmt", FORMATS)
@given(data=st.data())
@settings(max_examples=25)
def test_mutated_facts_raise_located_fact_errors(fmt: str, kind: str, data: st.DataObject) -> None:
    p = data.draw(partnerships())
    path, mutated = data.draw(mutations(p, fmt, kind))
    note(f"{kind} at {path}")
    text = json_text(mutated) if fmt == "json" else toml_text(mutated)
    parsed = json.loads(text) if fmt == "json" else tomllib.loads(text)
    # The file says exactly what the mutated data says.
    assert parsed == (mutated if fmt == "toml" else json.loads(json_text(mutated)))
    with pytest.raises(FactError) as caught:
        load(text, fmt)
    problems = caught.value.problems
    note("\n".join(map(str, problems)))
    lines = text.count("\n") + 1
    for problem in problems:
        assert problem.message.strip()
        if problem.path and _exists(parsed, problem.path):
            assert problem.line is not None, f"unlocated: {problem}"
            assert problem.column is not None
            assert 1 <= problem.line <= lines
    if fmt == "json" and kind != "dangle":
        # The schema sees every structural mistake the loader reports (not references).
        assert not SCHEMA.is_valid(parsed)
    # The edit itself is reported, at its own path (a dropped table as a missing table).
    if kind == "drop" and len(path) == 1:
        assert any(p.code == "missing" and not p.path for p in problems)
        return
    at_edit = [p for p in problems if p.path == path]
    assert at_edit, f"no problem at {path}"
    assert {p.code for p in at_edit} & EXPECTED_CODES[kind]
    if _exists(parsed, path):
        # Located at the edit itself, not at an enclosing table.
        where = (json_source_map if fmt == "json" else toml_source_map)(text).get(path)
        assert where is not None
        assert all((p.line, p.column) == (where.line, where.column) for p in at_edit)


# --- enrichment -----------------------------------------------------------------------


# Regression examples: both once overflowed decimal rounding (InvalidOperation).
HUGE_DELIVERY = _minimal(
    resource_commitments=(
        ResourceCommitment(
            partner="a", resource="budget", period="2025-Q2", committed=1e-300, delivered=1e300
        ),
    )
)
HUGE_KPI_SWING = _minimal(
    kpis=(
        Kpi(
            id="K",
            name="K",
            direction=Direction.HIGHER_BETTER,
            series=tuple(
                KpiPoint(period=f"2025-Q{q}", actual=v)
                for q, v in ((1, 1e-300), (2, 1.0), (3, 1e300))
            ),
        ),
    ),
    assessment=Assessment(id="A", partnership_id="P", as_of=dt.date(2025, 9, 30), period="2025-Q3"),
)


def _json_friendly(value: Any) -> str:
    """Strict JSON (no NaN or Infinity), dates as ISO strings: what DerivedFact promises."""
    # An unknown part of a value (one unrated period) carries its reason.
    return json.dumps(
        value,
        allow_nan=False,
        default=lambda d: d.describe() if is_unknown(d) else d.isoformat(),
    )


@given(partnerships())
@example(HUGE_DELIVERY)
@example(HUGE_KPI_SWING)
def test_enrichment_is_total_on_valid_input(p: Partnership) -> None:
    pm = realign.get_plugin_manager(load_entrypoints=False)
    facts = realign.enrich(p, pm)
    assert facts.partnership is p
    for fact in facts.derived.values():
        _json_friendly(fact.value)
        assert fact.known or fact.value is None
    text = realign.dump_partnership(p, "json")
    loaded = realign.load_facts(FactSource.from_text(text, format="json"), plugin_manager=pm)
    assert loaded.derived == facts.derived
    assert loaded.unknown == facts.unknown


# --- enrichment ignores record order --------------------------------------------------

_COLLECTIONS = [f.name for f in attrs.fields(Partnership) if isinstance(f.default, tuple)]
_REF = re.compile(r"\.?(?P<attrs>[a-z_]+(?:\.[a-z_]+)*)\[(?P<index>\d+)\]")


def _shuffled(p: Partnership, rnd: Any) -> Partnership:
    def shuffle(items: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(items)
        rnd.shuffle(out)
        return tuple(out)

    changes: dict[str, Any] = {name: shuffle(getattr(p, name)) for name in _COLLECTIONS}
    changes["kpis"] = tuple(attrs.evolve(k, series=shuffle(k.series)) for k in changes["kpis"])
    if p.culture is not None:
        changes["culture"] = attrs.evolve(
            p.culture,
            profiles=shuffle(p.culture.profiles),
            integration_activities=shuffle(p.culture.integration_activities),
        )
    committee = p.governance.steering_committee if p.governance else None
    if committee is not None:
        assert p.governance is not None
        changes["governance"] = attrs.evolve(
            p.governance,
            steering_committee=attrs.evolve(committee, members=shuffle(committee.members)),
        )
    return attrs.evolve(p, **changes)


def _canonical(p: Partnership, value: Any) -> Any:
    """*value* with every positional reference ("meetings[3].date") replaced by the record."""
    if isinstance(value, dict):  # key order carries no meaning
        return ("{}", sorted((repr(k), _canonical(p, v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return [_canonical(p, v) for v in value]
    if not isinstance(value, str):
        return value
    node: Any = p
    rest = value
    resolved = False
    while match := _REF.match(rest):
        try:
            for name in match["attrs"].split("."):
                node = getattr(node, name)
            node = node[int(match["index"])]
        except (AttributeError, IndexError, TypeError):
            return value
        rest = rest[match.end() :]
        resolved = True
    return ("@", _identity(node), rest) if resolved else value


def _identity(node: Any) -> str:
    """A record's content, blind to the order of the records nested in it."""
    if attrs.has(type(node)):
        fields = [(f.name, _identity(getattr(node, f.name))) for f in attrs.fields(type(node))]
        return f"{type(node).__name__}{fields!r}"
    if isinstance(node, tuple) and node and attrs.has(type(node[0])):
        return repr(sorted(map(_identity, node)))
    return repr(node)


def _derived_view(p: Partnership, facts: realign.FactSet) -> dict[str, list[str]]:
    """Every derived fact, with positions in its name, value and sources resolved to records.

    A fact about one record ("decisions[2].latency_days") is keyed by that record, so
    it is compared with the same record's fact after shuffling; identical records
    share a key, so their facts are compared as a multiset.
    """
    view: dict[str, list[str]] = {}
    for name, fact in facts.derived.items():
        entry = (
            _canonical(p, fact.value),
            _canonical(p, fact.unknown),
            fact.description,
            sorted(repr(_canonical(p, s)) for s in fact.sources),
        )
        view.setdefault(repr(_canonical(p, name)), []).append(repr(entry))
    return {key: sorted(entries) for key, entries in view.items()}


@given(partnerships(), st.randoms(use_true_random=False))
def test_enrichment_ignores_the_order_of_records(p: Partnership, rnd: Any) -> None:
    pm = realign.get_plugin_manager(load_entrypoints=False)
    shuffled = _shuffled(p, rnd)
    before = _derived_view(p, realign.enrich(p, pm))
    after = _derived_view(shuffled, realign.enrich(shuffled, pm))
    assert before.keys() == after.keys()
    for name in before:
        assert before[name] == after[name], name


def test_unrecorded_attendance_ignores_partner_order() -> None:
    """Regression: this list once followed the order of [[partners]]."""
    meeting = Meeting(id="M", date=dt.date(2025, 6, 1), type=MeetingType.STEERING_COMMITTEE)
    p = _minimal(meetings=(meeting,))
    reordered = attrs.evolve(p, partners=p.partners[::-1])
    pm = realign.get_plugin_manager(load_entrypoints=False)
    name = "governance.sponsors.unrecorded_attendance"
    assert realign.enrich(p, pm).value(name) == realign.enrich(reordered, pm).value(name)


def test_priority_gap_reason_ignores_partner_order() -> None:
    """Regression: the reason once listed the partners in [[partners]] order."""
    objective = Objective(id="O", title="O", level=ObjectiveLevel.STRATEGIC)
    p = _minimal(objectives=(objective,))
    reordered = attrs.evolve(p, partners=p.partners[::-1])
    pm = realign.get_plugin_manager(load_entrypoints=False)
    name = "objectives[0].priority_gap"
    assert realign.enrich(p, pm).derived[name] == realign.enrich(reordered, pm).derived[name]


def test_objectives_revised_since_ignores_objective_order() -> None:
    """Regression: a signal naming no objective once listed them in [[objectives]] order."""
    revised = dt.date(2025, 6, 1)
    objectives = tuple(
        Objective(id=i, title=i, level=ObjectiveLevel.STRATEGIC, last_revised=revised)
        for i in ("O1", "O2")
    )
    signal = MarketSignal(
        id="S", observed=dt.date(2025, 5, 1), type=SignalType.PRICING, magnitude=3
    )
    p = _minimal(objectives=objectives, market_signals=(signal,))
    reordered = attrs.evolve(p, objectives=objectives[::-1])
    pm = realign.get_plugin_manager(load_entrypoints=False)
    name = "market_signals[0].objectives_revised_since"
    assert realign.enrich(p, pm).value(name) == realign.enrich(reordered, pm).value(name)
