"""The condition-language parser: precedence, forms, literals, offsets and error messages."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realign.rules.syntax import (
    AGGREGATES,
    KEYWORDS,
    Attr,
    BinOp,
    Call,
    Compare,
    Comprehension,
    Exists,
    Index,
    ListLit,
    Literal,
    Logic,
    Name,
    Neg,
    Node,
    Not,
    ParseError,
    Within,
    parse,
    walk,
)

# --- building expected trees -------------------------------------------------------------
# Offsets do not take part in equality, so expected trees are built with dummy offsets and
# offsets are checked separately where they matter.

_AT: dict[str, int] = {"start": 0, "end": 0}


def n(name: str) -> Name:
    return Name(name, **_AT)


def num(value: float) -> Literal:
    return Literal(value, "number", **_AT)


def lit(value: Any, kind: str) -> Literal:
    return Literal(value, kind, **_AT)


def attr(obj: Node, name: str) -> Attr:
    return Attr(obj, name, **_AT)


def index(obj: Node, key: Node) -> Index:
    return Index(obj, key, **_AT)


def binop(op: str, left: Node, right: Node) -> BinOp:
    return BinOp(op, left, right, **_AT)


def cmp(op: str, left: Node, right: Node) -> Compare:
    return Compare(op, left, right, **_AT)


def logic(op: str, *items: Node) -> Logic:
    return Logic(op, tuple(items), **_AT)


def not_(operand: Node) -> Not:
    return Not(operand, **_AT)


def neg(operand: Node) -> Neg:
    return Neg(operand, **_AT)


def exists(operand: Node) -> Exists:
    return Exists(operand, **_AT)


def within(value: Node, window: Node) -> Within:
    return Within(value, window, **_AT)


def call(name: str, *args: Node) -> Call:
    return Call(name, tuple(args), **_AT)


def comp(
    func: str, var: str, source: Node, where: Node | None = None, value: Node | None = None
) -> Comprehension:
    return Comprehension(func, var, source, where, value, **_AT)


def listlit(*items: Node) -> ListLit:
    return ListLit(tuple(items), **_AT)


def error_of(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text)
    return caught.value


# --- precedence ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # or < and
        ("a or b and c", logic("or", n("a"), logic("and", n("b"), n("c")))),
        ("a and b or c", logic("or", logic("and", n("a"), n("b")), n("c"))),
        # and < not
        ("not a and b", logic("and", not_(n("a")), n("b"))),
        ("a and not b or c", logic("or", logic("and", n("a"), not_(n("b"))), n("c"))),
        # not < comparison
        ("not a < b", not_(cmp("<", n("a"), n("b")))),
        ("not a == b and c", logic("and", not_(cmp("==", n("a"), n("b"))), n("c"))),
        # comparison < +,-
        ("a + b < c - d", cmp("<", binop("+", n("a"), n("b")), binop("-", n("c"), n("d")))),
        # +,- < *,/,%
        ("a + b * c", binop("+", n("a"), binop("*", n("b"), n("c")))),
        ("a * b + c", binop("+", binop("*", n("a"), n("b")), n("c"))),
        ("a - b / c % d", binop("-", n("a"), binop("%", binop("/", n("b"), n("c")), n("d")))),
        # left associativity
        ("a - b - c", binop("-", binop("-", n("a"), n("b")), n("c"))),
        ("a / b * c", binop("*", binop("/", n("a"), n("b")), n("c"))),
        # unary minus binds tighter than *, postfix tighter than unary minus
        ("-a * b", binop("*", neg(n("a")), n("b"))),
        ("-a.b", neg(attr(n("a"), "b"))),
        ("- -a", neg(neg(n("a")))),
        # parentheses override everything
        ("(a or b) and c", logic("and", logic("or", n("a"), n("b")), n("c"))),
        ("(a + b) * c", binop("*", binop("+", n("a"), n("b")), n("c"))),
        ("not (a and b)", not_(logic("and", n("a"), n("b")))),
        # chains of one operator flatten; nested groups of the same one do not
        ("a or b or c", logic("or", n("a"), n("b"), n("c"))),
        ("a or (b or c)", logic("or", n("a"), logic("or", n("b"), n("c")))),
        ("not not a", not_(not_(n("a")))),
        # the whole chain of the documented ladder at once
        (
            "a or b and not c < d + e * f",
            logic(
                "or",
                n("a"),
                logic(
                    "and",
                    n("b"),
                    not_(cmp("<", n("c"), binop("+", n("d"), binop("*", n("e"), n("f"))))),
                ),
            ),
        ),
    ],
)
def test_precedence(text: str, expected: Node) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_every_comparison_operator(op: str) -> None:
    assert parse(f"a.x {op} 3") == cmp(op, attr(n("a"), "x"), num(3))


def test_in_and_not_in() -> None:
    assert parse("x in [1, 2]") == cmp("in", n("x"), listlit(num(1), num(2)))
    assert parse("x not in ys") == cmp("not in", n("x"), n("ys"))
    # "not x in ys" negates the membership test instead
    assert parse("not x in ys") == not_(cmp("in", n("x"), n("ys")))
    assert parse("not x not in ys") == not_(cmp("not in", n("x"), n("ys")))


def test_within() -> None:
    assert parse("e.opened within 91d") == within(attr(n("e"), "opened"), lit(91, "duration"))
    # the window is a whole sum, and the test sits below 'and'
    assert parse("e.opened within H + 7d and x") == logic(
        "and", within(attr(n("e"), "opened"), binop("+", n("H"), lit(7, "duration"))), n("x")
    )
    assert parse("not d within Q") == not_(within(n("d"), n("Q")))


def test_exists_of_a_value() -> None:
    assert parse("exists x") == exists(n("x"))
    assert parse("exists e.resolved") == exists(attr(n("e"), "resolved"))
    assert parse("not exists e.resolved and e.open") == logic(
        "and", not_(exists(attr(n("e"), "resolved"))), attr(n("e"), "open")
    )


def test_exists_in_where_is_any() -> None:
    expected = comp("any", "x", n("xs"), cmp(">", attr(n("x"), "v"), num(3)))
    assert parse("exists x in xs where x.v > 3") == expected
    assert parse("any(x in xs where x.v > 3)") == expected
    assert parse("exists x in xs") == comp("any", "x", n("xs"))


def test_exists_filter_takes_the_conjunction_but_stops_at_or() -> None:
    assert parse("exists x in xs where a and b or c") == logic(
        "or", comp("any", "x", n("xs"), logic("and", n("a"), n("b"))), n("c")
    )
    # inside a call the filter runs to the closing parenthesis
    assert parse("any(x in xs where a and b or c)") == comp(
        "any", "x", n("xs"), logic("or", logic("and", n("a"), n("b")), n("c"))
    )


def test_comprehensions() -> None:
    assert parse("count(x in xs where x.ok)") == comp("count", "x", n("xs"), attr(n("x"), "ok"))
    assert parse("median(x.v for x in xs where c)") == comp(
        "median", "x", n("xs"), n("c"), attr(n("x"), "v")
    )
    assert parse("sum(x.a * 2 for x in xs)") == comp(
        "sum", "x", n("xs"), None, binop("*", attr(n("x"), "a"), num(2))
    )
    assert parse("all(x.v > 1 for x in xs where x.on)") == comp(
        "all", "x", n("xs"), attr(n("x"), "on"), cmp(">", attr(n("x"), "v"), num(1))
    )
    # the source is a sum: an arithmetic expression, not a comparison
    assert parse("count(x in a.b where x)") == comp("count", "x", attr(n("a"), "b"), n("x"))


@pytest.mark.parametrize("func", sorted(AGGREGATES))
def test_every_aggregate_takes_a_comprehension(func: str) -> None:
    assert parse(f"{func}(x in xs)") == comp(func, "x", n("xs"))


def test_call_forms() -> None:
    assert parse("count(xs)") == call("count", n("xs"))
    assert parse("max(a, b)") == call("max", n("a"), n("b"))
    assert parse("round(x.v, 2)") == call("round", attr(n("x"), "v"), num(2))
    assert parse("f()") == call("f")
    assert parse('fired("GOV-01")') == call("fired", lit("GOV-01", "string"))
    # a parenthesised membership test is an argument, not a comprehension
    assert parse("count((x in xs))") == call("count", cmp("in", n("x"), n("xs")))


def test_indexing_and_fields() -> None:
    assert parse("o.priority[p.id]") == index(attr(n("o"), "priority"), attr(n("p"), "id"))
    assert parse("x.y.z[0][1]") == index(index(attr(attr(n("x"), "y"), "z"), num(0)), num(1))
    assert parse("a[b + 1].c") == attr(index(n("a"), binop("+", n("b"), num(1))), "c")
    # after a dot every name is a field name, keywords included
    assert parse("x.in") == attr(n("x"), "in")


# --- literals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("0", 0, "number"),
        ("42", 42, "number"),
        ("2.5", 2.5, "number"),
        ("1e3", 1000.0, "number"),
        ("2.5E-2", 0.025, "number"),
        ("91d", 91, "duration"),
        ("2w", 14, "duration"),
        ("1.5d", 1.5, "duration"),
        ("0d", 0, "duration"),
        ("2024-03-31", date(2024, 3, 31), "date"),
        ("2024-02-29", date(2024, 2, 29), "date"),
        ('"plain"', "plain", "string"),
        ("'single'", "single", "string"),
        ('""', "", "string"),
        ("true", True, "bool"),
        ("false", False, "bool"),
    ],
)
def test_literal(text: str, value: Any, kind: str) -> None:
    node = parse(text)
    assert node == lit(value, kind)
    assert type(node.value) is type(value)  # type: ignore[attr-defined]


def test_integers_stay_integers_and_floats_stay_floats() -> None:
    assert type(parse("3").value) is int  # type: ignore[attr-defined]
    assert type(parse("3.0").value) is float  # type: ignore[attr-defined]
    assert type(parse("91d").value) is int  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (r'"say \"hi\""', 'say "hi"'),
        (r"'it\'s'", "it's"),
        (r'"it\'s"', "it's"),
        ('"it\'s"', "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        (r'"a\nb"', "a\nb"),
        (r'"a\tb"', "a\tb"),
        (r'"back\\slash"', "back\\slash"),
        # an escaped backslash before an n is a backslash and an n, not a newline
        (r'"\\n"', "\\n"),
        # an unknown escape is kept as written
        (r'"\d"', "\\d"),
        ('"naïve – ünïcode"', "naïve – ünïcode"),
    ],
)
def test_string_quotes_and_escapes(text: str, value: str) -> None:
    assert parse(text) == lit(value, "string")


def test_lists() -> None:
    assert parse("[]") == listlit()
    assert parse("[1, 2.5, 91d, 2w]") == listlit(
        num(1), num(2.5), lit(91, "duration"), lit(14, "duration")
    )
    assert parse("['a', \"b\"]") == listlit(lit("a", "string"), lit("b", "string"))
    assert parse("[a + 1, [b]]") == listlit(binop("+", n("a"), num(1)), listlit(n("b")))


def test_date_arithmetic_reads_as_dates() -> None:
    assert parse("as_of - 2024-01-01 > 30d") == cmp(
        ">", binop("-", n("as_of"), lit(date(2024, 1, 1), "date")), lit(30, "duration")
    )


# --- offsets ---------------------------------------------------------------------------


def spans(text: str) -> list[tuple[str, str]]:
    """Each node of the parse as (class name, the text its offsets cover), in walk order."""
    return [(type(node).__name__, text[node.start : node.end]) for node in walk(parse(text))]


def test_offsets_of_a_comparison_with_arithmetic() -> None:
    text = "a.b + 2 * c[d] >= 91d"
    assert spans(text) == [
        ("Compare", "a.b + 2 * c[d] >= 91d"),
        ("BinOp", "a.b + 2 * c[d]"),
        ("Attr", "a.b"),
        ("Name", "a"),
        ("BinOp", "2 * c[d]"),
        ("Literal", "2"),
        ("Index", "c[d]"),
        ("Name", "c"),
        ("Name", "d"),
        ("Literal", "91d"),
    ]


def test_offsets_are_character_positions() -> None:
    node = parse("  x   and   not  y  ")
    assert isinstance(node, Logic)
    assert (node.start, node.end) == (2, 18)
    first, second = node.items
    assert (first.start, first.end) == (2, 3)
    assert isinstance(second, Not)
    assert (second.start, second.end) == (12, 18)
    assert (second.operand.start, second.operand.end) == (17, 18)


def test_offsets_of_comprehensions_and_calls() -> None:
    text = "median(x.v for x in xs where x.ok) > max(a, b)"
    assert spans(text) == [
        ("Compare", text),
        ("Comprehension", "median(x.v for x in xs where x.ok)"),
        ("Attr", "x.v"),
        ("Name", "x"),
        ("Name", "xs"),
        ("Attr", "x.ok"),
        ("Name", "x"),
        ("Call", "max(a, b)"),
        ("Name", "a"),
        ("Name", "b"),
    ]
    node = parse("round( v , 2 )")
    assert isinstance(node, Call)
    assert (node.start, node.name_end, node.end) == (0, 5, 14)


def test_offsets_of_exists_forms_and_strings() -> None:
    text = "exists e in es where e.x == 'a b' and e.y"
    assert spans(text) == [
        ("Comprehension", text),
        ("Name", "es"),
        ("Logic", "e.x == 'a b' and e.y"),
        ("Compare", "e.x == 'a b'"),
        ("Attr", "e.x"),
        ("Name", "e"),
        ("Literal", "'a b'"),
        ("Attr", "e.y"),
        ("Name", "e"),
    ]
    assert spans("not exists e.resolved") == [
        ("Not", "not exists e.resolved"),
        ("Exists", "exists e.resolved"),
        ("Attr", "e.resolved"),
        ("Name", "e"),
    ]


def test_parentheses_belong_to_the_node_they_wrap() -> None:
    assert spans("(a + b) * -(c)") == [
        ("BinOp", "(a + b) * -(c)"),
        ("BinOp", "(a + b)"),
        ("Name", "a"),
        ("Name", "b"),
        ("Neg", "-(c)"),
        ("Name", "(c)"),
    ]
    assert spans("x not in [1, 'two']") == [
        ("Compare", "x not in [1, 'two']"),
        ("Name", "x"),
        ("ListLit", "[1, 'two']"),
        ("Literal", "1"),
        ("Literal", "'two'"),
    ]


def test_offsets_of_within_and_dates() -> None:
    assert spans("2024-01-01 within 2w") == [
        ("Within", "2024-01-01 within 2w"),
        ("Literal", "2024-01-01"),
        ("Literal", "2w"),
    ]


# --- errors ----------------------------------------------------------------------------


def test_single_equals_hints_double_equals() -> None:
    error = error_of("a = 3")
    assert error.offset == 2
    assert "'='" in error.message
    assert error.hint is not None
    assert "==" in error.hint


@pytest.mark.parametrize(("text", "offset", "word"), [("a && b", 2, "and"), ("a || b", 2, "or")])
def test_c_style_logic_hints_words(text: str, offset: int, word: str) -> None:
    error = error_of(text)
    assert error.offset == offset
    assert error.hint is not None
    assert f"'{word}'" in error.hint


def test_bang_hints_not() -> None:
    error = error_of("x and !y")
    assert error.offset == 6
    assert error.hint is not None
    assert "not" in error.hint


@pytest.mark.parametrize(
    ("text", "offset", "quote"),
    [('a == "abc', 5, '"'), ("a == 'abc", 5, "'"), ("'it\\'s", 0, "'"), ('"a\nb"', 0, '"')],
)
def test_unterminated_string(text: str, offset: int, quote: str) -> None:
    error = error_of(text)
    assert error.message == "unterminated string"
    assert error.offset == offset
    assert error.hint is not None
    assert quote in error.hint


@pytest.mark.parametrize(
    ("text", "offset"),
    [("a < b < c", 6), ("a == b == c", 7), ("x.v >= 1 <= 3", 9), ("a + 1 != b > c", 11)],
)
def test_comparisons_do_not_chain(text: str, offset: int) -> None:
    error = error_of(text)
    assert "do not chain" in error.message
    assert error.offset == offset
    assert error.hint is not None
    assert " and " in error.hint


@pytest.mark.parametrize(
    ("text", "offset"), [("a < b in c", 6), ("a in b in c", 7), ("x within 3d > 2", 12)]
)
def test_membership_and_windows_do_not_chain_either(text: str, offset: int) -> None:
    error = error_of(text)
    assert "do not chain" in error.message
    assert error.offset == offset


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_condition(text: str) -> None:
    error = error_of(text)
    assert "empty" in error.message
    assert error.offset == 0


@pytest.mark.parametrize(
    ("text", "offset", "found"),
    [("a b", 2, "'b'"), ("x > 1 y", 6, "'y'"), ("a )", 2, "')'"), ("f(x) ]", 5, "']'")],
)
def test_trailing_garbage(text: str, offset: int, found: str) -> None:
    error = error_of(text)
    assert error.offset == offset
    assert found in error.message


def test_trailing_name_hints_joining_conditions() -> None:
    error = error_of("a > 1 b > 2")
    assert error.hint is not None
    assert "'and'" in error.hint


@pytest.mark.parametrize(("text", "offset"), [("2024-13-45", 0), ("d > 2023-02-29", 4)])
def test_impossible_date(text: str, offset: int) -> None:
    error = error_of(text)
    assert "not a calendar date" in error.message
    assert error.offset == offset


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("(a", 2, "')'"),
        ("a[1", 3, "']'"),
        ("f(a, b", 6, "')'"),
        ("[1, 2", 5, "']'"),
        ("a ==", 4, "the end of the condition"),
        ("x in", 4, "the end of the condition"),
        ("a.", 2, "field name"),
        ("a.1", 2, "field name"),
        ("and b", 0, "'and'"),
        ("a or or b", 5, "'or'"),
        ("count(x in )", 11, "')'"),
        ("max(x.v for in xs)", 12, "variable name"),
        ("max(x.v for x xs)", 14, "'in'"),
        ("a @ b", 2, "'@'"),
    ],
)
def test_malformed_input_is_located(text: str, offset: int, fragment: str) -> None:
    error = error_of(text)
    assert error.offset == offset
    assert fragment in error.message


def test_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        parse("")


# --- round trip ------------------------------------------------------------------------

_LOGIC_PREC = {"or": 1, "and": 2}
_BIN_PREC = {"+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_PLAIN_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS
)
_FIELD_NAMES = st.one_of(_PLAIN_NAMES, st.sampled_from(sorted(KEYWORDS)))


def _prec(node: Node) -> int:
    match node:
        case Logic(op=op):
            return _LOGIC_PREC[op]
        case Not():
            return 3
        case Compare() | Within():
            return 4
        case BinOp(op=op):
            return _BIN_PREC[op]
        case Neg() | Exists():
            return 7
        case Attr() | Index():
            return 8
    return 9


def _starts_with_name_in(node: Node) -> bool:
    """Whether the printed text opens with ``NAME in``, which reads as a comprehension."""
    match node:
        case Compare(op="in", left=Name()):
            return True
        case Logic(items=items):
            return _starts_with_name_in(items[0])
    return False


def _ends_with_exists_name(node: Node) -> bool:
    """Whether the printed text closes with ``exists NAME``, which 'in' would extend."""
    match node:
        case Exists(operand=Name()):
            return True
        case Exists(operand=inner) | Neg(operand=inner) | BinOp(right=inner):
            return _ends_with_exists_name(inner)
    return False


def _string(value: str) -> str:
    quote = "'" if '"' in value and "'" not in value else '"'
    body = value.replace("\\", "\\\\").replace("\n", "\\n").replace(quote, "\\" + quote)
    return quote + body + quote


def _literal(node: Literal) -> str:
    value, kind = node.value, node.kind
    if kind == "string":
        return _string(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "date":
        return str(value.isoformat())
    if kind == "duration":
        if isinstance(value, int) and value % 14 == 0 and value:
            return f"{value // 7}w"
        return f"{value!r}d"
    return repr(value)


def show(node: Node, at_least: int = 1) -> str:
    """Print *node* as condition text, with the parentheses its context needs."""
    text = _show(node)
    return f"({text})" if _prec(node) < at_least or _always_wrapped(node) else text


#: Generated comprehensions to print in the ``exists x in xs where c`` form, by id; the
#: values keep them alive so that their ids stay theirs.
_EXISTS_FORMS: dict[int, Node] = {}


def _always_wrapped(node: Node) -> bool:
    # The exists form has no closing bracket of its own, so it always gets parentheses.
    return id(node) in _EXISTS_FORMS


def _show(node: Node) -> str:
    match node:
        case Literal():
            return _literal(node)
        case Name(name=name):
            return name
        case ListLit(items=items):
            return "[" + ", ".join(show(i) for i in items) + "]"
        case Attr(obj=obj, name=name):
            wrap = isinstance(obj, Literal) and obj.kind in ("number", "duration", "date")
            base = f"({show(obj)})" if wrap else show(obj, 8)
            return f"{base}.{name}"
        case Index(obj=obj, key=key):
            return f"{show(obj, 8)}[{show(key)}]"
        case Neg(operand=operand):
            return f"-{show(operand, 7)}"
        case Exists(operand=operand):
            return f"exists {show(operand, 7)}"
        case Not(operand=operand):
            return f"not {show(operand, 3)}"
        case BinOp(op=op, left=left, right=right):
            level = _BIN_PREC[op]
            return f"{show(left, level)} {op} {show(right, level + 1)}"
        case Compare(op=op, left=left, right=right):
            left_text = show(left, 5)
            if op == "in" and _ends_with_exists_name(left):
                left_text = f"({left_text})"
            return f"{left_text} {op} {show(right, 5)}"
        case Within(value=value, window=window):
            return f"{show(value, 5)} within {show(window, 5)}"
        case Logic(op=op, items=items):
            return f" {op} ".join(show(i, _LOGIC_PREC[op] + 1) for i in items)
        case Call(name=name, args=args):
            printed = [show(a) for a in args]
            if name in AGGREGATES and args and _starts_with_name_in(args[0]):
                printed[0] = f"({printed[0]})"
            return f"{name}({', '.join(printed)})"
        case Comprehension(func=func, var=var, source=source, where=where, value=value):
            if _always_wrapped(node):
                tail = f" where {show(where, 2)}" if where is not None else ""
                return f"exists {var} in {show(source, 5)}{tail}"
            head = ""
            if value is not None:
                head = show(value)
                if _starts_with_name_in(value):
                    head = f"({head})"
                head += " for "
            tail = f" where {show(where)}" if where is not None else ""
            return f"{func}({head}{var} in {show(source, 5)}{tail})"
    raise TypeError(node)


def _exists_form(node: Comprehension) -> Comprehension:
    _EXISTS_FORMS[id(node)] = node
    return node


_durations = st.one_of(
    st.integers(0, 10_000).map(lambda d: lit(d, "duration")),
    st.integers(0, 100_000).map(lambda tenths: lit(tenths / 10, "duration")),
)
_floats = st.floats(min_value=0, allow_nan=False, allow_infinity=False).filter(
    lambda x: math.copysign(1, x) > 0
)
_leaves: st.SearchStrategy[Node] = st.one_of(
    _PLAIN_NAMES.map(n),
    st.integers(0, 10**12).map(num),
    _floats.map(num),
    _durations,
    st.dates().map(lambda d: lit(d, "date")),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=8).map(lambda s: lit(s, "string")),
    st.booleans().map(lambda b: lit(b, "bool")),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    two = st.lists(children, min_size=2, max_size=3).map(tuple)
    some = st.lists(children, max_size=3).map(tuple)
    maybe = st.none() | children
    call_names = _PLAIN_NAMES.filter(lambda s: s not in ("true", "false"))
    return st.one_of(
        st.builds(lambda items: ListLit(items, **_AT), some),
        st.builds(lambda o, f: Attr(o, f, **_AT), children, _FIELD_NAMES),
        st.builds(lambda o, k: Index(o, k, **_AT), children, children),
        st.builds(lambda x: Neg(x, **_AT), children),
        st.builds(lambda x: Not(x, **_AT), children),
        st.builds(lambda x: Exists(x, **_AT), children),
        st.builds(
            lambda op, a, b: BinOp(op, a, b, **_AT),
            st.sampled_from(sorted(_BIN_PREC)),
            children,
            children,
        ),
        st.builds(
            lambda op, a, b: Compare(op, a, b, **_AT),
            st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]),
            children,
            children,
        ),
        st.builds(lambda v, w: Within(v, w, **_AT), children, children),
        st.builds(lambda op, items: Logic(op, items, **_AT), st.sampled_from(["and", "or"]), two),
        st.builds(lambda name, args: Call(name, args, **_AT), call_names, some),
        st.builds(
            lambda func, var, source, where, value: Comprehension(
                func, var, source, where, value, **_AT
            ),
            st.sampled_from(sorted(AGGREGATES)),
            _PLAIN_NAMES,
            children,
            maybe,
            maybe,
        ),
        st.builds(
            lambda var, source, where: _exists_form(
                Comprehension("any", var, source, where, None, **_AT)
            ),
            _PLAIN_NAMES,
            children,
            maybe,
        ),
    )


trees = st.recursive(_leaves, _extend, max_leaves=16)


def test_the_printer_knows_the_ambiguous_spots() -> None:
    # Sanity checks of the test's own printer, so a round-trip failure points at the parser.
    assert show(cmp("in", exists(n("x")), n("xs"))) == "(exists x) in xs"
    assert show(call("count", cmp("in", n("x"), n("xs")))) == "count((x in xs))"
    assert show(attr(num(3), "x")) == "(3).x"
    assert show(binop("-", n("a"), binop("-", n("b"), n("c")))) == "a - (b - c)"
    assert show(lit('say "hi"', "string")) == "'say \"hi\"'"
    assert show(_exists_form(comp("any", "x", n("xs"), logic("or", n("a"), n("b"))))) == (
        "(exists x in xs where (a or b))"
    )


def test_a_field_named_for_is_not_the_keyword() -> None:
    # The comprehension's value-first form is told by a 'for' at depth zero; x.for is a field.
    tree = parse("any(p in partners where p.for)")
    assert isinstance(tree, Comprehension)
    assert tree.value is None
    assert tree.where == Attr(Name("p", start=24, end=25), "for", start=24, end=29)
    source = parse("all(A in (0).for)")
    assert isinstance(source, Comprehension)
    assert source.source == Attr(Literal(0, "number", start=9, end=12), "for", start=9, end=16)


def test_exists_before_a_keyword_literal_is_not_a_comprehension() -> None:
    tree = parse("exists false in []")
    assert isinstance(tree, Compare)
    assert tree.left == Exists(Literal(False, "bool", start=7, end=12), start=0, end=12)


@given(trees)
def test_print_then_parse_gives_the_same_tree(tree: Node) -> None:
    text = show(tree)
    assert parse(text) == tree, text


@given(trees)
def test_every_node_spans_exactly_its_own_text(tree: Node) -> None:
    text = show(tree)
    for node in walk(parse(text)):
        assert parse(text[node.start : node.end]) == node, (text, node)
        if isinstance(node, Call):
            assert text[node.start : node.name_end] == node.name
