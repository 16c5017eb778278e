"""Type checking and lowering of conditions to the IR, against the real fact vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest

from realign import get_plugin_manager
from realign.engine.engine import functions_of, vocabulary_of
from realign.rules import ir
from realign.rules.functions import Function
from realign.rules.lower import Issue, Lowerer, ResolvedParam
from realign.rules.types import (
    ANY,
    BOOL,
    DATE,
    NUMBER,
    STRING,
    EnumType,
    ListType,
    MapType,
    RecordType,
    Type,
    Vocabulary,
)

RULE_IDS = frozenset({"GOV-01", "GOV-02", "CUL-01"})


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return vocabulary_of(get_plugin_manager(load_entrypoints=False))


@pytest.fixture(scope="module")
def functions() -> dict[str, Function]:
    return functions_of(get_plugin_manager(load_entrypoints=False))


class Lower:
    """Lower one condition or expression with chosen bindings and params."""

    def __init__(self, vocabulary: Vocabulary, functions: Mapping[str, Function]) -> None:
        self.vocabulary = vocabulary
        self.functions = functions

    def lowerer(
        self, bindings: Mapping[str, Type] | None, params: Mapping[str, ResolvedParam] | None
    ) -> Lowerer:
        return Lowerer(self.vocabulary, self.functions, params or {}, bindings or {}, RULE_IDS)

    def binding(self, collection: str) -> Type:
        """The element type of a top-level collection, as a rule's ``for`` binds it."""
        typ = self.vocabulary.root()[collection]
        assert isinstance(typ, ListType)
        return typ.elem

    def cond(
        self,
        text: str,
        bindings: Mapping[str, Type] | None = None,
        params: Mapping[str, ResolvedParam] | None = None,
    ) -> ir.Cond:
        lowerer = self.lowerer(bindings, params)
        result = lowerer.condition(text)
        assert result is not None, lowerer.issues
        assert lowerer.issues == []
        return result

    def expr(
        self,
        text: str,
        bindings: Mapping[str, Type] | None = None,
        params: Mapping[str, ResolvedParam] | None = None,
    ) -> tuple[ir.Term, Type]:
        lowerer = self.lowerer(bindings, params)
        result = lowerer.expression(text)
        assert result is not None, lowerer.issues
        return result

    def issue(
        self,
        text: str,
        bindings: Mapping[str, Type] | None = None,
        params: Mapping[str, ResolvedParam] | None = None,
        *,
        expression: bool = False,
    ) -> Issue:
        lowerer = self.lowerer(bindings, params)
        result = lowerer.expression(text) if expression else lowerer.condition(text)
        assert result is None
        assert len(lowerer.issues) == 1, lowerer.issues
        return lowerer.issues[0]


@pytest.fixture(scope="module")
def lower(vocabulary: Vocabulary, functions: dict[str, Function]) -> Lower:
    return Lower(vocabulary, functions)


@pytest.fixture(scope="module")
def esc(lower: Lower) -> dict[str, Type]:
    return {"e": lower.binding("escalations")}


def located(text: str, issue: Issue) -> str:
    return text[issue.start : issue.end]


def ir_nodes(term: ir.Term) -> list[ir.Term]:
    out = [term]
    for child in ir.children(term):
        out.extend(ir_nodes(child))
    return out


# --- names and fields ------------------------------------------------------------------


def test_unknown_field_on_a_table_has_did_you_mean(lower: Lower) -> None:
    text = "governance.escalaton_path.defined == false"
    issue = lower.issue(text)
    assert issue.code == "unknown-field"
    assert "escalaton_path" in issue.message
    assert issue.hint == "did you mean 'escalation_path'?"
    assert located(text, issue) == "governance.escalaton_path"


def test_unknown_field_on_a_bound_record_has_did_you_mean(
    lower: Lower, esc: dict[str, Type]
) -> None:
    text = "e.categry == 'quality'"
    issue = lower.issue(text, esc)
    assert issue.code == "unknown-field"
    assert issue.hint == "did you mean 'category'?"
    assert located(text, issue) == "e.categry"


def test_unknown_field_inside_a_comprehension(lower: Lower) -> None:
    text = "count(d in decisions where d.latncy_days > 30) > 1"
    issue = lower.issue(text)
    assert issue.code == "unknown-field"
    assert issue.hint == "did you mean 'latency_days'?"
    assert located(text, issue) == "d.latncy_days"


def test_a_field_of_a_list_says_to_bind_an_item(lower: Lower) -> None:
    issue = lower.issue("escalations.category == 'quality'")
    assert issue.code == "unknown-field"
    assert issue.hint is not None
    assert "is a list" in issue.hint
    assert "x.category" in issue.hint


def test_a_field_of_a_scalar(lower: Lower) -> None:
    issue = lower.issue("as_of.year > 2020")
    assert "date" in issue.message
    assert "'year'" in issue.message


def test_unknown_name(lower: Lower) -> None:
    text = "x.opened within H and foo > 3"
    issue = lower.issue(text, {"x": lower.binding("escalations")})
    assert issue.code == "unknown-name"
    assert "'foo'" in issue.message
    assert located(text, issue) == "foo"


def test_unknown_name_has_did_you_mean(lower: Lower) -> None:
    issue = lower.issue("count(decisons) > 3")
    assert issue.code == "unknown-name"
    assert issue.hint == "did you mean 'decisions'?"


def test_a_function_name_used_as_a_value(lower: Lower) -> None:
    issue = lower.issue("count > 3")
    assert issue.code == "unknown-name"
    assert issue.hint is not None
    assert "count(" in issue.hint


def test_resolution_order_local_before_binding_before_param(lower: Lower) -> None:
    params = {"e": ResolvedParam(NUMBER, 1), "as_of": ResolvedParam(NUMBER, 2)}
    cond = lower.cond("any(e in escalations where e.open)", {"x": ANY}, params)
    assert isinstance(cond, ir.Truth)
    assert isinstance(cond.term, ir.Aggregate)
    assert cond.term.where == ir.Truth(ir.Get(ir.Var("e"), "open"))
    # a param named like a built-in wins over the built-in
    term, typ = lower.expr("as_of", params=params)
    assert term == ir.Const(2)
    assert typ == NUMBER


def test_a_comprehension_variable_may_not_hide_a_binding(
    lower: Lower, esc: dict[str, Type]
) -> None:
    issue = lower.issue("any(e in escalations where e.open)", esc)
    assert "already bound" in issue.message


def test_builtin_windows_and_as_of(lower: Lower) -> None:
    for name, days in (("Q", 91), ("H", 182), ("Y", 365)):
        assert lower.expr(name) == (ir.Const(days), NUMBER)
    assert lower.expr("as_of") == (ir.Root("as_of"), DATE)


# --- types -----------------------------------------------------------------------------


def test_date_compared_with_a_number(lower: Lower, esc: dict[str, Type]) -> None:
    text = "e.opened > 30"
    issue = lower.issue(text, esc)
    assert issue.code == "type"
    assert "date" in issue.message
    assert "number" in issue.message
    assert issue.hint is not None
    assert "days" in issue.hint
    assert located(text, issue) == text
    assert lower.issue("as_of > 3").code == "type"


def test_date_arithmetic_types(lower: Lower, esc: dict[str, Type]) -> None:
    assert lower.expr("as_of - e.opened", esc)[1] == NUMBER
    assert lower.expr("as_of - 30d")[1] == DATE
    assert lower.expr("e.opened + 1w", esc)[1] == DATE
    assert lower.expr("7 + as_of")[1] == DATE
    cond = lower.cond("as_of - e.opened > 30d", esc)
    assert cond == ir.Cmp(
        ">", ir.Arith("-", ir.Root("as_of"), ir.Get(ir.Var("e"), "opened")), ir.Const(30)
    )
    for bad in ("as_of * 2", "as_of + as_of", "2 - as_of", "as_of / 2"):
        assert "cannot apply" in lower.issue(bad, expression=True).message, bad


def test_string_arithmetic_is_an_error(lower: Lower, esc: dict[str, Type]) -> None:
    text = "'a' + 'b' == 'ab'"
    issue = lower.issue(text)
    assert issue.code == "type"
    assert "cannot apply '+'" in issue.message
    assert located(text, issue) == "'a' + 'b'"
    assert "cannot apply '*'" in lower.issue("e.category * 2 > 1", esc).message
    assert "'-' needs a number" in lower.issue("-e.category", esc, expression=True).message


def test_ordering_booleans_and_mixing_types(lower: Lower) -> None:
    assert "not a boolean" in lower.issue("true > false").message
    assert "cannot compare" in lower.issue("'a' < 3").message
    assert "cannot compare" in lower.issue("partnership.high_pace == 1").message


def test_a_condition_must_be_boolean(lower: Lower) -> None:
    issue = lower.issue("3 + 4")
    assert "true or false" in issue.message
    assert issue.hint is not None


def test_within_needs_a_date_and_a_number(lower: Lower, esc: dict[str, Type]) -> None:
    issue = lower.issue("e.level_reached within 91d", esc)
    assert "'within'" in issue.message
    assert "date" in issue.message
    issue = lower.issue("e.opened within e.opened", esc)
    assert "window" in issue.message
    cond = lower.cond("e.opened within H", esc)
    assert cond == ir.Truth(ir.Within(ir.Get(ir.Var("e"), "opened"), ir.Const(182)), True)


def test_lists_hold_one_type(lower: Lower) -> None:
    assert "one type" in lower.issue("3 in [1, 'a']").message
    term, typ = lower.expr("[1, 2, 3]")
    assert isinstance(term, ir.Const)
    assert list(term.value) == [1, 2, 3]
    assert typ == ListType("list", NUMBER)


def test_in_needs_a_list_on_its_right(lower: Lower) -> None:
    assert "needs a list" in lower.issue("3 in 4").message
    # a table tests its keys
    assert lower.cond("'pace' in culture.gaps") == ir.Cmp(
        "in", ir.Const("pace"), ir.Get(ir.Root("culture"), "gaps")
    )


# --- enumerated values -----------------------------------------------------------------


def test_enum_literal_near_miss_has_did_you_mean(lower: Lower, esc: dict[str, Type]) -> None:
    text = "e.category == 'qualty'"
    issue = lower.issue(text, esc)
    assert issue.code == "value"
    assert "'qualty'" in issue.message
    assert issue.hint == "did you mean 'quality'?"
    assert located(text, issue) == "'qualty'"


def test_enum_literal_far_miss_lists_the_values(lower: Lower, esc: dict[str, Type]) -> None:
    issue = lower.issue('e.category == "objectivs"', esc)
    assert issue.code == "value"
    assert "'objectivs'" in issue.message
    assert issue.hint is not None
    for value in ("product_priority", "quality", "data_access", "other"):
        assert value in issue.hint


def test_enum_literal_is_checked_on_either_side_and_in_lists(
    lower: Lower, esc: dict[str, Type]
) -> None:
    assert lower.issue("'qualty' == e.category", esc).hint == "did you mean 'quality'?"
    text = "e.category in ['quality', 'data_acess']"
    issue = lower.issue(text, esc)
    assert issue.hint == "did you mean 'data_access'?"
    assert located(text, issue) == "'data_acess'"
    assert lower.issue("e.category not in ['peple']", esc).hint == "did you mean 'people'?"


def test_enum_type_of_a_model_field(lower: Lower, esc: dict[str, Type]) -> None:
    _, typ = lower.expr("e.category", esc)
    assert isinstance(typ, EnumType)
    assert "quality" in typ.values
    assert lower.cond("e.category == 'quality'", esc) == ir.Cmp(
        "==", ir.Get(ir.Var("e"), "category"), ir.Const("quality")
    )


def test_finding_severity_is_an_enum(lower: Lower) -> None:
    issue = lower.issue("any(f in findings where f.severity == 'hihg')")
    assert issue.hint == "did you mean 'high'?"


# --- params ----------------------------------------------------------------------------


def test_params_become_constants(lower: Lower) -> None:
    lowerer = lower.lowerer({}, {"gap": ResolvedParam(NUMBER, 2.5)})
    cond = lowerer.condition("culture.gaps.pace >= gap")
    assert cond == ir.Cmp(">=", ir.Get(ir.Get(ir.Root("culture"), "gaps"), "pace"), ir.Const(2.5))
    assert lowerer.params_used == {"gap"}
    # the same text with another value compiles to another constant
    other = lower.cond("culture.gaps.pace >= gap", params={"gap": ResolvedParam(NUMBER, 1)})
    assert isinstance(other, ir.Cmp)
    assert other.right == ir.Const(1)


def test_params_are_typed(lower: Lower, esc: dict[str, Type]) -> None:
    params = {"since": ResolvedParam(DATE, date(2024, 1, 1)), "n": ResolvedParam(NUMBER, 3)}
    assert lower.cond("e.opened >= since", esc, params) == ir.Cmp(
        ">=", ir.Get(ir.Var("e"), "opened"), ir.Const(date(2024, 1, 1))
    )
    issue = lower.issue("e.opened >= n", esc, params)
    assert "cannot compare" in issue.message


def test_unused_params_are_not_recorded(lower: Lower) -> None:
    lowerer = lower.lowerer({}, {"a": ResolvedParam(NUMBER, 1), "b": ResolvedParam(NUMBER, 2)})
    assert lowerer.condition("a > 0") is not None
    assert lowerer.params_used == {"a"}


# --- negation normal form --------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "negated"),
    [
        ("<", ">="),
        (">=", "<"),
        (">", "<="),
        ("<=", ">"),
        ("==", "!="),
        ("!=", "=="),
    ],
)
def test_not_of_a_comparison_flips_the_operator(lower: Lower, op: str, negated: str) -> None:
    cond = lower.cond(f"not (as_of {op} 2024-01-01)")
    assert cond == ir.Cmp(negated, ir.Root("as_of"), ir.Const(date(2024, 1, 1)))


def test_not_of_membership(lower: Lower, esc: dict[str, Type]) -> None:
    assert lower.cond("not (e.category in ['quality'])", esc) == ir.Cmp(
        "not in", ir.Get(ir.Var("e"), "category"), ir.Const(("quality",))
    )
    assert lower.cond("not e.category not in ['quality']", esc) == ir.Cmp(
        "in", ir.Get(ir.Var("e"), "category"), ir.Const(("quality",))
    )


def test_de_morgan(lower: Lower) -> None:
    a = ir.Cmp("<", ir.Root("as_of"), ir.Const(date(2024, 1, 1)))
    b = ir.Cmp(">", ir.Root("as_of"), ir.Const(date(2020, 1, 1)))
    not_a = ir.Cmp(">=", a.left, a.right)
    not_b = ir.Cmp("<=", b.left, b.right)
    text_a, text_b = "as_of < 2024-01-01", "as_of > 2020-01-01"
    assert lower.cond(f"not ({text_a} and {text_b})") == ir.Or((not_a, not_b))
    assert lower.cond(f"not ({text_a} or {text_b})") == ir.And((not_a, not_b))
    assert lower.cond(f"not (not {text_a} or {text_b})") == ir.And((a, not_b))


def test_not_of_a_quantifier_tests_it_for_false(lower: Lower) -> None:
    cond = lower.cond("not any(e in escalations where e.open)")
    assert isinstance(cond, ir.Truth)
    assert cond.expected is False
    assert isinstance(cond.term, ir.Aggregate)
    assert cond.term.func == "any"
    # the exists form is the same quantifier
    assert lower.cond("not exists e in escalations where e.open") == cond


def test_double_negation_cancels(lower: Lower, esc: dict[str, Type]) -> None:
    assert lower.cond("not not e.open", esc) == lower.cond("e.open", esc)
    assert lower.cond("not not (as_of < 2024-01-01)") == lower.cond("as_of < 2024-01-01")


def test_other_boolean_terms_negate_to_truth_false(lower: Lower, esc: dict[str, Type]) -> None:
    for text in ("not exists e.resolved", "not (e.opened within H)", "not fired('GOV-01')"):
        cond = lower.cond(text, esc)
        assert isinstance(cond, ir.Truth), text
        assert cond.expected is False, text


def test_negation_reaches_inside_comprehension_filters(lower: Lower) -> None:
    cond = lower.cond("count(e in escalations where not (e.opened within H and e.open)) > 0")
    assert isinstance(cond, ir.Cmp)
    assert isinstance(cond.left, ir.Aggregate)
    assert cond.left.where == ir.Or(
        (
            ir.Truth(ir.Within(ir.Get(ir.Var("e"), "opened"), ir.Const(182)), False),
            ir.Truth(ir.Get(ir.Var("e"), "open"), False),
        )
    )


def test_negation_keeps_the_source_text(lower: Lower) -> None:
    cond = lower.cond("not (as_of < 2024-01-01)")
    assert "as_of < 2024-01-01" in cond.text
    assert cond.text.startswith("not")


def test_negation_text_is_what_was_written(lower: Lower) -> None:
    assert lower.cond("not (as_of < 2024-01-01)").text == "not (as_of < 2024-01-01)"


# --- aggregates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("count(e in escalations where e.open)", NUMBER),
        ("count(escalations)", NUMBER),
        ("median(d.latency_days for d in decisions where d.raised within H)", NUMBER),
        ("mean(p.headcount for p in partners)", NUMBER),
        ("sum(p.headcount for p in partners)", NUMBER),
        ("max(p.headcount for p in partners)", NUMBER),
        ("min(d.raised for d in decisions)", DATE),
        ("max(d.raised for d in decisions)", DATE),
        ("any(e in escalations where e.open)", BOOL),
        ("all(e.open for e in escalations)", BOOL),
        ("none(e in escalations)", BOOL),
        ("max(escalations.by_category_h)", NUMBER),
        ("max(as_of, 2024-01-01)", DATE),
        ("min(1, 2, 3)", NUMBER),
    ],
)
def test_aggregate_result_types(lower: Lower, text: str, expected: Type) -> None:
    term, typ = lower.expr(text)
    assert typ == expected
    assert isinstance(term, ir.Aggregate | ir.Apply)


def test_aggregate_lowering(lower: Lower) -> None:
    term, _ = lower.expr("median(d.latency_days for d in decisions where d.raised within H)")
    assert term == ir.Aggregate(
        "median",
        "d",
        ir.Root("decisions"),
        ir.Truth(ir.Within(ir.Get(ir.Var("d"), "raised"), ir.Const(182)), True),
        ir.Get(ir.Var("d"), "latency_days"),
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("count(d.raised for d in decisions) > 1", "takes no value"),
        ("mean(e.category for e in escalations) > 1", "needs numbers"),
        ("sum(escalations) > 1", "list of numbers"),
        ("median(escalations) > 1", "list of numbers"),
        ("count(as_of) > 1", "needs a list"),
        ("count(e in as_of) > 1", "goes over a list"),
        ("max(1, as_of) > 1", "one kind"),
        ("max() > 1", "takes one list"),
    ],
)
def test_aggregate_errors(lower: Lower, text: str, fragment: str) -> None:
    assert fragment in lower.issue(text).message


def test_derived_facts_are_typed(lower: Lower) -> None:
    assert lower.expr("escalations.opened_last_q")[1] == NUMBER
    gaps = lower.expr("culture.gaps")[1]
    assert isinstance(gaps, MapType)
    assert gaps.value == NUMBER
    assert lower.expr("culture.gaps.pace")[1] == NUMBER
    assert lower.expr("governance.sponsors.missed_meetings['corvid']")[1] == NUMBER
    decision = {"d": lower.binding("decisions")}
    assert lower.expr("d.latency_days", decision)[1] == NUMBER
    assert lower.expr("d.open", decision)[1] == BOOL
    assert isinstance(lower.binding("decisions"), RecordType)


# --- functions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment", "located_text"),
    [
        ("round(1, 2, 3) > 1", "wrong number of arguments to round()", "round(1, 2, 3)"),
        ("abs() > 1", "wrong number of arguments to abs()", "abs()"),
        ("ratio(1) > 1", "wrong number of arguments to ratio()", "ratio(1)"),
        ("lower(3) == 'a'", "argument 1 of lower() must be a string", "3"),
        ("abs('a') > 1", "argument 1 of abs() must be a number", "'a'"),
        ("ratio(1, 'x') > 1", "argument 2 of ratio() must be a number", "'x'"),
        ("len(escalations) > keys(3)", "argument 1 of keys() must be a table", "3"),
    ],
)
def test_function_arity_and_types(
    lower: Lower, text: str, fragment: str, located_text: str
) -> None:
    issue = lower.issue(text)
    assert fragment in issue.message
    assert issue.hint is not None
    assert "signature" in issue.hint
    assert located(text, issue) == located_text


def test_unknown_function_has_did_you_mean(lower: Lower) -> None:
    issue = lower.issue("rount(3.5) > 1")
    assert issue.code == "unknown-function"
    assert issue.hint == "did you mean 'round'?"
    assert lower.issue("frobnicate(1) > 2").code == "unknown-function"


def test_function_return_types(lower: Lower) -> None:
    assert lower.expr("coalesce(governance.decision_protocol.decision_sla_days, 30)")[1] == NUMBER
    assert lower.expr("coalesce(partnership.start_date, as_of)")[1] == DATE
    assert lower.expr("known(culture.gaps)")[1] == BOOL
    assert lower.expr("len(escalations)")[1] == NUMBER
    assert lower.expr("keys(culture.gaps)")[1] == ListType("list", STRING)
    first = lower.expr("first(escalations)")[1]
    assert first == lower.binding("escalations")
    assert lower.expr("last(escalations, 2)")[1] == lower.vocabulary.root()["escalations"]


def test_fired_with_a_known_rule(lower: Lower) -> None:
    assert lower.cond("fired('GOV-01')") == ir.Truth(ir.Fired("GOV-01"), True)


def test_fired_with_an_unknown_rule(lower: Lower) -> None:
    text = 'fired("NOPE")'
    issue = lower.issue(text)
    assert issue.code == "unknown-rule"
    assert "'NOPE'" in issue.message
    assert located(text, issue) == '"NOPE"'
    near = lower.issue("fired('GOV-1')")
    assert near.code == "unknown-rule"
    assert near.hint == "did you mean 'GOV-01'?"


def test_fired_takes_one_quoted_id(lower: Lower) -> None:
    for text in ("fired(GOV)", "fired()", "fired('GOV-01', 'GOV-02')"):
        issue = lower.issue(text)
        assert "fired() takes one rule id" in issue.message, text


def test_fired_without_known_rule_ids_accepts_any(
    vocabulary: Vocabulary, functions: dict[str, Function]
) -> None:
    lowerer = Lowerer(vocabulary, functions, {}, {})
    assert lowerer.condition("fired('ANY-99')") == ir.Truth(ir.Fired("ANY-99"), True)


# --- every lowered tree ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "not (any(e in escalations where not e.open) or not exists governance.escalation_path)",
        "not (count(e in escalations where not (e.opened within H)) >= 3 and not fired('GOV-01'))",
        "not all(d.open for d in decisions where not (d.raised within Q))",
    ],
)
def test_lowered_conditions_are_in_negation_normal_form(lower: Lower, text: str) -> None:
    cond = lower.cond(text)
    conds = [node for node in ir_nodes(cond) if isinstance(node, ir.Cond)]
    assert conds
    assert all(isinstance(node, ir.And | ir.Or | ir.Cmp | ir.Truth) for node in conds)
    assert "not" not in {type(node).__name__.lower() for node in ir_nodes(cond)}


def test_every_problem_of_one_condition_is_one_issue(lower: Lower) -> None:
    lowerer = lower.lowerer({}, {})
    assert lowerer.condition("a = 3") is None
    assert lowerer.condition("nope > 1") is None
    assert [issue.code for issue in lowerer.issues] == ["syntax", "unknown-name"]
    syntax_issue = lowerer.issues[0]
    assert (syntax_issue.start, syntax_issue.end) == (2, 3)
    assert syntax_issue.hint is not None
    assert "==" in syntax_issue.hint


def test_a_collection_argument_is_checked_item_by_item(
    vocabulary: Vocabulary, functions: dict[str, Function]
) -> None:
    numbers = ListType("list", NUMBER)
    typed = {
        **functions,
        "spread": Function(name="spread", params=(numbers,), returns=NUMBER, impl=lambda xs: 0),
    }
    lower = Lower(vocabulary, typed)
    # A list of records is no list of numbers, though both are lists.
    issue = lower.issue("spread(partners) > 1")
    assert "spread" in issue.message
    assert located("spread(partners) > 1", issue) == "partners"
    # A list of numbers is, and so is one whose items are not known to be anything else.
    assert lower.expr("spread([1, 2.5])")[1] == NUMBER
    assert lower.expr("spread(values(culture.gaps))")[1] == NUMBER
