"""The corpus of broken fact files: every problem reported, located, and nothing else.

Each file in ``tests/data/broken/`` is a trimmed copy of an example with one
fault (``many_problems.toml`` has fifteen).  The table below lists, for each
file, every problem the loader must report as (line, code, field path, a
substring of the rendered message); each line number was checked by hand
against the file.  Files whose problems have no meaningful line (a missing
table, an unsupported suffix) say so with ``unlocated=True``.
"""

from __future__ import annotations

import random
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import attrs
import pytest

from realign import FactError, FactSource, Problem, load_partnership
from realign.cli import main
from realign.errors import format_path

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken"
EXAMPLES = ROOT / "examples"

#: The codes docs/facts.md promises ("What makes a file invalid").
DOCUMENTED_CODES = frozenset(
    {
        "syntax",
        "type",
        "range",
        "unknown-key",
        "missing",
        "reference",
        "duplicate",
        "date",
        "consistency",
        "encoding",
        "empty",
        "too-large",
        "format",
        "io",
    }
)


@dataclass(frozen=True)
class Expect:
    """One problem the loader must report."""

    line: int | None
    code: str
    path: str
    text: str

    def matches(self, problem: Problem) -> bool:
        return (
            problem.severity == "error"
            and problem.line == self.line
            and problem.code == self.code
            and format_path(problem.path) == self.path
            and self.text in str(problem)
        )


@dataclass(frozen=True)
class Case:
    file: str
    what: str
    expected: tuple[Expect, ...]
    unlocated: bool = False


def E(line: int | None, code: str, path: str, text: str) -> Expect:
    return Expect(line, code, path, text)


CASES: tuple[Case, ...] = (
    # --- syntax: the parser stops at the first error, so exactly one problem
    Case(
        "syntax_unclosed_bracket.toml",
        "TOML: array on line 32 never closed; tomllib notices on line 33",
        # tomllib stops on line 33; the hint points back at the '[' on line 32.
        (E(33, "syntax", "", "the '[' at line 32, column 13 is never closed"),),
    ),
    Case(
        "syntax_missing_equals.toml",
        "TOML: 'headcount 5200' (no '=')",
        (E(25, "syntax", "", "expected '=' after a key"),),
    ),
    Case(
        "syntax_table_declared_twice.toml",
        "TOML: [partners] written twice instead of [[partners]]",
        (E(22, "syntax", "", "cannot declare ('partners',) twice"),),
    ),
    Case(
        "syntax_deeply_nested.toml",
        "TOML: an array nested 600 deep in a 1 KB file",
        # junk = [ on line 3: the 65th '[' (depth 65 > 64) is at column 7 + 65.
        (E(3, "syntax", "", "nesting is too deep to read: it passes 64 levels here"),),
    ),
    Case(
        "syntax_json_trailing_comma.json",
        "JSON: trailing comma before '}'",
        (E(21, "syntax", "", "JSON syntax error: expecting property name"),),
    ),
    Case(
        "json_deeply_nested.json",
        "JSON: arrays nested 1500 deep",
        # {"assessment": [ : '{' is level 1, the 64th '[' (level 65) is at column 15 + 64.
        (E(1, "syntax", "", "nesting is too deep to read: it passes 64 levels here"),),
    ),
    Case(
        "json_nan.json",
        "JSON: headcount NaN (non-standard number)",
        (E(19, "syntax", "", "NaN is not a JSON number"),),
    ),
    Case(
        "json_lone_surrogate.json",
        "JSON: partner name with the escape \\ud800 (not a Unicode character)",
        (E(18, "encoding", "partners[0].name", "\\ud800"),),
    ),
    # --- the file as a whole
    Case("empty.toml", "zero bytes", (E(1, "empty", "", "the file is empty"),)),
    Case(
        "whitespace_only.toml",
        "spaces, tabs, CRLF and newlines only",
        (E(1, "empty", "", "the file is empty"),),
    ),
    Case(
        "comments_only.toml",
        "comments and blank lines: both required tables missing (no line to point at)",
        (
            E(None, "missing", "", "required table [assessment] is missing"),
            E(None, "missing", "", "required table [partnership] is missing"),
        ),
        unlocated=True,
    ),
    Case(
        "binary_png_header.toml",
        "the first bytes of a PNG image",
        (
            E(
                1,
                "encoding",
                "",
                "not valid UTF-8 text (expected UTF-8 encoded TOML or JSON, found byte 0x89)",
            ),
        ),
    ),
    Case(
        "json_document_is_array.json",
        "a JSON array holding the fact document",
        (E(1, "type", "", "the document must be a JSON object"),),
    ),
    Case(
        "unsupported_suffix.yaml",
        "a valid TOML file named .yaml (no line: the file is never parsed)",
        (E(None, "format", "", "no loader reads this kind of file"),),
        unlocated=True,
    ),
    Case(
        "missing_assessment.toml",
        "no [assessment] table (no line to point at)",
        (E(None, "missing", "", "required table [assessment] is missing"),),
        unlocated=True,
    ),
    # --- types
    Case(
        "type_string_for_int.toml",
        'headcount = "350"',
        (E(19, "type", "partners[0].headcount", "found a string '350'"),),
    ),
    Case(
        "type_int_for_bool.toml",
        "high_pace = 1",
        (E(14, "type", "partnership.high_pace", "expected true or false, found an integer 1"),),
    ),
    Case(
        "type_string_for_date.toml",
        'date = "March 10th"',
        (
            E(
                31,
                "type",
                "meetings[0].date",
                "expected a date YYYY-MM-DD, found a string 'March 10th'",
            ),
        ),
    ),
    Case(
        "type_table_for_array.toml",
        "[partners.corvid] and [partners.ironbridge] instead of [[partners]]",
        (
            E(
                17,
                "type",
                "partners",
                "expected an array of tables, written [[partners]], found a table",
            ),
        ),
    ),
    Case(
        "type_table_for_array_meetings.toml",
        "[meetings] instead of [[meetings]]; an action item refers to the meeting",
        (E(28, "type", "meetings", "expected an array of tables, written [[meetings]]"),),
    ),
    Case(
        "type_array_for_table.toml",
        "[[assessment]] instead of [assessment]",
        (E(3, "type", "assessment", "expected a table"),),
    ),
    Case(
        "type_string_for_array.toml",
        'agreed_by = "corvid": the string is taken as six one-letter partner ids',
        (E(32, "type", "objectives[0].agreed_by", "found a string 'corvid'"),),
    ),
    Case(
        "type_table_for_array_nested.toml",
        "a KPI series written as one inline table instead of an array of them",
        (E(43, "type", "kpis[0].series", "found a table"),),
    ),
    Case(
        "json_wrong_types.json",
        "JSON: four wrong values, each located at its key",
        (
            E(6, "range", "assessment.period", "expected a period label YYYY-Qn"),
            E(13, "type", "partnership.high_pace", "found a string 'yes'"),
            E(25, "type", "partners[1].headcount", "found a string '5200'"),
            E(42, "range", "objectives[0].priority.corvid", "found an integer 7"),
        ),
    ),
    # --- scales
    Case(
        "range_priority.toml",
        "priority weight 7",
        (
            E(
                34,
                "range",
                "objectives[0].priority.ironbridge",
                "invalid value (expected an integer weight from 1 to 5, found an integer 7)",
            ),
        ),
    ),
    Case(
        "range_magnitude_zero.toml",
        "market signal magnitude 0",
        (E(49, "range", "market_signals[0].magnitude", "found an integer 0"),),
    ),
    Case(
        "range_pulse_item.toml",
        "pulse item 5.5",
        (
            E(
                34,
                "range",
                "pulse_surveys[0].items.communication",
                "a number from 1 to 5, found a number 5.5",
            ),
        ),
    ),
    Case(
        "range_nps.toml",
        "NPS 150",
        (
            E(
                35,
                "range",
                "pulse_surveys[0].recommend_nps",
                "from -100 to 100, found an integer 150",
            ),
        ),
    ),
    Case(
        "range_negative_headcount.toml",
        "headcount -40",
        (E(25, "range", "partners[1].headcount", "at least 0, found an integer -40"),),
    ),
    # --- vocabularies and keys
    Case(
        "enum_near_miss.toml",
        'type = "steering_comittee"',
        (E(30, "type", "meetings[0].type", "did you mean 'steering_committee'?"),),
    ),
    Case(
        "unknown_key_top.toml",
        "[[milestone]] instead of [[milestones]]",
        (E(28, "unknown-key", "milestone", "unknown key 'milestone'; did you mean 'milestones'?"),),
    ),
    Case(
        "unknown_key_nested.toml",
        "objectives[0].priorty",
        (
            E(
                34,
                "unknown-key",
                "objectives[0].priorty",
                "unknown key 'priorty'; did you mean 'priority'?",
            ),
        ),
    ),
    Case(
        "unknown_key_inline.toml",
        "'rol' inside a steering-committee member inline table",
        (
            E(
                33,
                "unknown-key",
                "governance.steering_committee.members[1].rol",
                "unknown key 'rol'; did you mean 'role'?",
            ),
        ),
    ),
    # --- references
    Case(
        "ref_objective_kpi.toml",
        "objective kpi_ids names an undefined KPI",
        (
            E(
                33,
                "reference",
                "objectives[0].kpi_ids[1]",
                "unknown KPI 'K2' (expected one of 'K1')",
            ),
        ),
    ),
    Case(
        "ref_meeting_signal.toml",
        "meeting signals_discussed names an undefined signal",
        (E(57, "reference", "meetings[1].signals_discussed[0]", "unknown market signal 'S2'"),),
    ),
    Case(
        "ref_escalation_raised_by.toml",
        "escalation raised_by 'corvd'",
        (E(31, "reference", "escalations[0].raised_by", "unknown partner 'corvd'"),),
    ),
    Case(
        "ref_action_item_meeting.toml",
        "action item meeting_id names an undefined meeting",
        (
            E(
                43,
                "reference",
                "action_items[0].meeting_id",
                "unknown meeting 'M9' (expected one of 'M1', 'M2')",
            ),
        ),
    ),
    Case(
        "ref_learning_linked_to.toml",
        "learning entry linked_to names an undefined milestone",
        (
            E(
                41,
                "reference",
                "learning_log[0].linked_to",
                "unknown milestone, escalation or decision 'MS2'",
            ),
        ),
    ),
    Case(
        "data_gaps_unknown_path.toml",
        "data_gaps lists 'culture.profils'",
        (E(8, "reference", "assessment.data_gaps[0]", "did you mean 'culture.profiles'?"),),
    ),
    # --- identity, dates, consistency
    Case(
        "duplicate_id.toml",
        "two decisions with id D1: the message names both places",
        (
            E(
                35,
                "duplicate",
                "decisions[1].id",
                "duplicate id 'D1'; first defined at decisions[0].id (line 29)",
            ),
        ),
    ),
    Case(
        "date_meeting_after_as_of.toml",
        "a meeting dated after as_of",
        (E(38, "date", "meetings[1].date", "on or before as_of 2024-03-31, found 2024-04-25"),),
    ),
    Case(
        "date_decided_after_as_of.toml",
        "a decision decided after as_of",
        (E(38, "date", "decisions[1].decided", "on or before as_of 2024-03-31, found 2024-05-02"),),
    ),
    Case(
        "consistency_decided_before_raised.toml",
        "a decision decided before it was raised",
        (E(32, "consistency", "decisions[0].decided", "earlier than the date it was raised"),),
    ),
    Case(
        "consistency_responses_gt_invited.toml",
        "pulse survey responses 19 > invited 14",
        (
            E(
                33,
                "consistency",
                "pulse_surveys[0].responses",
                "exceeds invited (expected at most 14, found 19)",
            ),
        ),
    ),
    Case(
        "missing_meeting_date.toml",
        "a meeting without date (located at its [[meetings]] header)",
        (E(28, "missing", "meetings[0].date", "required field is missing"),),
    ),
    Case(
        "hidden_consistency_same_record.toml",
        "one pulse survey with NPS 150 and responses 19 > invited 14",
        (
            E(34, "consistency", "pulse_surveys[0].responses", "exceeds invited"),
            E(36, "range", "pulse_surveys[0].recommend_nps", "found an integer 150"),
        ),
    ),
    # --- everything at once
    Case(
        "many_problems.toml",
        "fifteen problems with eight different codes in one file",
        (
            E(8, "reference", "assessment.data_gaps[0]", "did you mean 'escalations'?"),
            E(21, "type", "partners[0].internal_alignment_score", "found a string 'high'"),
            E(27, "range", "partners[1].headcount", "found an integer -40"),
            E(35, "reference", "objectives[0].kpi_ids[0]", "unknown KPI 'K9'"),
            E(36, "unknown-key", "objectives[0].priorty", "did you mean 'priority'?"),
            E(49, "type", "meetings[0].type", "did you mean 'steering_committee'?"),
            E(54, "missing", "meetings[1].date", "required field is missing"),
            E(64, "range", "market_signals[0].magnitude", "found an integer 0"),
            E(72, "consistency", "decisions[0].decided", "earlier than the date it was raised"),
            E(75, "duplicate", "decisions[1].id", "first defined at decisions[0].id (line 69)"),
            E(83, "reference", "escalations[0].raised_by", "did you mean 'corvid'?"),
            E(92, "date", "action_items[0].closed", "found 2024-06-10"),
            E(99, "consistency", "pulse_surveys[0].responses", "exceeds invited"),
            E(110, "range", "pulse_surveys[1].recommend_nps", "found an integer 150"),
            E(112, "unknown-key", "milestone", "did you mean 'milestones'?"),
        ),
    ),
)

BY_FILE = {case.file: case for case in CASES}


def params(cases: tuple[Case, ...] = CASES) -> list[object]:
    """One param per case, named after its file."""
    return [pytest.param(case, id=case.file) for case in cases]


def problems_of(path: Path, *, lenient: bool = False) -> tuple[Problem, ...]:
    with pytest.raises(FactError) as info:
        load_partnership(path, lenient=lenient)
    return info.value.problems


def show(problems: tuple[Problem, ...]) -> str:
    return "\n".join(f"  [{p.code}] {p}" for p in problems)


# --- the corpus itself ------------------------------------------------------------------


def test_every_corpus_file_has_a_case() -> None:
    on_disk = sorted(p.name for p in BROKEN.iterdir())
    assert on_disk == sorted(BY_FILE), "add or remove a Case for each corpus file"
    assert len(on_disk) >= 18


def test_corpus_files_are_small() -> None:
    assert all(p.stat().st_size < 8 * 1024 for p in BROKEN.iterdir())


# --- what is reported -------------------------------------------------------------------


@pytest.mark.parametrize("case", params())
def test_every_expected_problem_is_reported(case: Case) -> None:
    path = BROKEN / case.file
    problems = problems_of(path)
    missing = [e for e in case.expected if not any(e.matches(p) for p in problems)]
    assert not missing, f"not reported: {missing}\nreported:\n{show(problems)}"
    assert all(p.source == str(path) for p in problems)


@pytest.mark.parametrize("case", params())
def test_nothing_unexpected_is_reported(case: Case) -> None:
    problems = problems_of(BROKEN / case.file)
    errors = [p for p in problems if p.severity == "error"]
    extra = [p for p in errors if not any(e.matches(p) for e in case.expected)]
    assert not extra, f"unexpected:\n{show(tuple(extra))}"
    # nothing reported twice
    for expect in case.expected:
        assert sum(expect.matches(p) for p in errors) <= 1, f"{expect} reported twice"


@pytest.mark.parametrize("case", params())
def test_every_problem_is_located(case: Case) -> None:
    path = BROKEN / case.file
    for problem in problems_of(path):
        if case.unlocated:
            assert problem.line is None
            assert str(problem).startswith(f"{path}: error: ")
        else:
            assert problem.line is not None, str(problem)
            assert problem.column is not None, str(problem)
            assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: error: ")


@pytest.mark.parametrize("case", params())
def test_problem_codes_are_documented(case: Case) -> None:
    for problem in problems_of(BROKEN / case.file):
        assert problem.code in DOCUMENTED_CODES, str(problem)
        assert "indices must be" not in problem.message
        assert "not iterable" not in problem.message


def test_many_problems_are_all_reported_in_line_order() -> None:
    path = BROKEN / "many_problems.toml"
    with pytest.raises(FactError) as info:
        load_partnership(path)
    problems = info.value.problems
    assert len(problems) == 15
    assert len({p.code for p in problems}) == 8
    lines = [p.line for p in problems]
    assert lines == sorted(lines)  # type: ignore[type-var]
    text = str(info.value).splitlines()
    assert text[0] == f"{path}: 15 errors"
    assert text[1:] == [str(p) for p in problems]


@pytest.mark.parametrize(
    ("text", "found"),
    [("[1, 2]", "an array"), ("null", "null"), ('"facts"', "a string")],
)
def test_json_document_that_is_not_an_object_is_described_in_words(text: str, found: str) -> None:
    with pytest.raises(FactError) as info:
        load_partnership(FactSource.from_text(text, name="doc.json", format="json"))
    [problem] = info.value.problems
    assert problem.code == "type"
    assert problem.found is not None
    assert problem.found.startswith(found)


# --- binary garbage and huge files ------------------------------------------------------


@pytest.mark.parametrize("suffix", ["toml", "json"])
def test_random_bytes_are_an_encoding_error_at_the_first_bad_byte(
    tmp_path: Path, suffix: str
) -> None:
    data = random.Random(20240331).randbytes(2048)
    path = tmp_path / f"garbage.{suffix}"
    path.write_bytes(data)
    with pytest.raises(UnicodeDecodeError) as oracle:
        data.decode("utf-8")
    bad = oracle.value.start
    before = data[:bad]
    [problem] = problems_of(path)
    assert problem.code == "encoding"
    assert problem.line == before.count(b"\n") + 1
    assert problem.column == bad - (before.rfind(b"\n") + 1) + 1
    assert f"found byte 0x{data[bad]:02x}" in str(problem)


HUGE_BYTES = 50 * 1000 * 1000


@pytest.fixture(scope="module")
def huge_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid fact file followed by a 50 MB comment; created at test time, never committed."""
    path = tmp_path_factory.mktemp("huge") / "huge.toml"
    chunk = b"x" * 2**20
    with path.open("wb") as out:
        out.write((EXAMPLES / "case_study_before.toml").read_bytes())
        out.write(b"\n# ")
        while out.tell() < HUGE_BYTES:
            out.write(chunk)
        out.write(b"\n")
    return path


def test_huge_file_is_refused_without_being_read(huge_file: Path) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(FactError) as info:
            load_partnership(huge_file)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20, f"{peak} bytes allocated: the file was read"
    [problem] = info.value.problems
    assert problem.code == "too-large"
    assert problem.line is None  # no meaningful line: nothing was read
    assert str(problem).startswith(f"{huge_file}: error: the file is too large")
    assert "expected at most 16 MiB" in str(problem)


def test_huge_file_exits_2_from_the_cli(
    huge_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["facts", str(huge_file)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "too large" in err
    assert "Traceback" not in err


def test_size_limit_applies_to_in_memory_sources_too() -> None:
    text = (EXAMPLES / "case_study_before.toml").read_text()
    source = attrs.evolve(
        FactSource.from_text(text, name="mem.toml", format="toml"), max_bytes=1024
    )
    with pytest.raises(FactError) as info:
        load_partnership(source)
    assert [p.code for p in info.value.problems] == ["too-large"]


# --- lenient loading --------------------------------------------------------------------

UNKNOWN_KEY_CASES = tuple(c for c in CASES if c.file.startswith("unknown_key_"))


@pytest.mark.parametrize("case", params(UNKNOWN_KEY_CASES))
def test_lenient_turns_unknown_keys_into_warnings_and_loads(case: Case) -> None:
    loaded = load_partnership(BROKEN / case.file, lenient=True)
    assert loaded.partnership.assessment.id == "CV-IB-2024Q1"
    [expected] = case.expected
    [warning] = loaded.warnings
    assert warning.severity == "warning"
    assert (warning.line, warning.code, format_path(warning.path)) == (
        expected.line,
        expected.code,
        expected.path,
    )
    assert str(warning).startswith(f"{BROKEN / case.file}:{expected.line}:")
    assert ": warning: " in str(warning)


def test_lenient_does_not_excuse_other_problems() -> None:
    problems = problems_of(BROKEN / "many_problems.toml", lenient=True)
    warnings = [p for p in problems if p.severity == "warning"]
    errors = [p for p in problems if p.severity == "error"]
    assert sorted(format_path(p.path) for p in warnings) == ["milestone", "objectives[0].priorty"]
    assert all(p.code == "unknown-key" for p in warnings)
    assert len(errors) == 13
    assert "unknown-key" not in {p.code for p in errors}
