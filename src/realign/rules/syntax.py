"""The condition language: tokens, syntax tree and a recursive-descent parser.

Conditions are short strings inside TOML rule sets, for example::

    count(e in escalations where e.category == theme and e.opened within H) >= 3

The parser keeps the character offset of every node, so that every later
complaint (an unknown field, a type mismatch) can be reported at the file,
line and column where the consultant wrote it. Nothing here evaluates
anything; there is no ``eval``.

Grammar (lowest precedence first)::

    expr      := or
    or        := and ("or" and)*
    and       := not ("and" not)*
    not       := "not" not | compare
    compare   := sum [cmp_op sum | "within" sum]
    cmp_op    := "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in"
    sum       := product (("+" | "-") product)*
    product   := unary (("*" | "/" | "%") unary)*
    unary     := "-" unary | "exists" unary | postfix
    postfix   := primary ("." NAME | "[" expr "]")*
    primary   := NUMBER | DURATION | DATE | STRING | "true" | "false"
               | "[" [expr ("," expr)*] "]" | "(" expr ")"
               | AGGREGATE "(" [expr "for"] NAME "in" expr ["where" expr] ")"
               | NAME "(" [expr ("," expr)*] ")" | NAME

``exists NAME in expr where expr`` is the same as ``any(NAME in expr where expr)``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import attrs

__all__ = [
    "AGGREGATES",
    "KEYWORDS",
    "Attr",
    "BinOp",
    "Call",
    "Compare",
    "Comprehension",
    "Exists",
    "Index",
    "ListLit",
    "Literal",
    "Logic",
    "Name",
    "Neg",
    "Node",
    "Not",
    "ParseError",
    "Within",
    "parse",
    "walk",
]

#: Functions that take a comprehension: ``count(x in xs where ...)``.
AGGREGATES = frozenset({"any", "all", "none", "count", "sum", "min", "max", "mean", "median"})
KEYWORDS = frozenset(
    {"and", "or", "not", "in", "for", "where", "within", "exists", "true", "false"}
)
DURATION_UNITS = {"d": 1, "w": 7}


class ParseError(ValueError):
    """A condition is not well formed; ``offset`` is where in the string."""

    def __init__(
        self,
        message: str,
        offset: int,
        *,
        hint: str | None = None,
        code: str = "syntax",
        related: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        #: advice; in ``hint_template``, ``{at}`` stands for where *related* is
        self.hint_template = hint
        self.hint = (
            hint.replace("{at}", f"character {related + 1}")
            if hint and related is not None
            else hint
        )
        self.code = code
        self.related = related


# --- syntax tree -----------------------------------------------------------------------


@attrs.frozen
class Node:
    """Every node records where it starts and ends in the condition string."""

    start: int = attrs.field(kw_only=True, eq=False)
    end: int = attrs.field(kw_only=True, eq=False)


@attrs.frozen
class Literal(Node):
    value: Any
    #: number, duration, date, string or bool
    kind: str


@attrs.frozen
class ListLit(Node):
    items: tuple[Node, ...]


@attrs.frozen
class Name(Node):
    name: str


@attrs.frozen
class Attr(Node):
    obj: Node
    name: str


@attrs.frozen
class Index(Node):
    obj: Node
    key: Node


@attrs.frozen
class Neg(Node):
    operand: Node


@attrs.frozen
class Not(Node):
    operand: Node


@attrs.frozen
class Exists(Node):
    operand: Node


@attrs.frozen
class BinOp(Node):
    op: str
    left: Node
    right: Node


@attrs.frozen
class Compare(Node):
    op: str
    left: Node
    right: Node


@attrs.frozen
class Within(Node):
    """``value within window``: ``0 <= as_of - value <= window`` for a date value."""

    value: Node
    window: Node


@attrs.frozen
class Logic(Node):
    op: str  # "and" | "or"
    items: tuple[Node, ...]


@attrs.frozen
class Call(Node):
    name: str
    args: tuple[Node, ...]
    name_end: int = attrs.field(kw_only=True, eq=False, default=0)


@attrs.frozen
class Comprehension(Node):
    """``func([value for] var in source [where condition])``."""

    func: str
    var: str
    source: Node
    where: Node | None
    value: Node | None


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, in source order."""
    yield node
    for child in _children(node):
        yield from walk(child)


def _children(node: Node) -> tuple[Node, ...]:
    match node:
        case ListLit(items=items) | Logic(items=items) | Call(args=items):
            return items
        case Attr(obj=obj):
            return (obj,)
        case Index(obj=obj, key=key):
            return (obj, key)
        case Neg(operand=x) | Not(operand=x) | Exists(operand=x):
            return (x,)
        case BinOp(left=left, right=right) | Compare(left=left, right=right):
            return (left, right)
        case Within(value=value, window=window):
            return (value, window)
        case Comprehension(source=source, where=where, value=value):
            return tuple(n for n in (value, source, where) if n is not None)
    return ()


# --- tokens ----------------------------------------------------------------------------


@attrs.frozen
class Token:
    kind: str  # num, dur, date, str, name, op, end
    text: str
    value: Any
    start: int
    end: int


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w.]))
  | (?P<dur>\d+(?:\.\d+)?[dw](?!\w))
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|[<>+\-*/%().,\[\]])
    """,
    re.VERBOSE,
)
_NUMBER_WORD = re.compile(r"\d+(?:\.\d+)?[A-Za-z_]\w*|\d+(?:\.\d+){2,}")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None and (word := _NUMBER_WORD.match(text, pos)):
            raise ParseError(
                f"{word.group()!r} is not a number or a duration",
                pos,
                hint="write durations as days or weeks: 30d, 4w",
            )
        if match is None:
            char = text[pos]
            hint = None
            if char == "=":
                hint = "write == to compare"
            elif char == "&":
                hint = "write 'and'"
            elif char == "|":
                hint = "write 'or'"
            elif char == "!":
                hint = "write 'not' or !="
            elif char in "\"'":
                raise ParseError("unterminated string", pos, hint=f"close it with {char}")
            raise ParseError(f"unexpected character {char!r}", pos, hint=hint)
        kind = match.lastgroup
        assert kind is not None
        token_text = match.group()
        end = match.end()
        if kind != "ws":
            tokens.append(Token(kind, token_text, _token_value(kind, token_text, pos), pos, end))
        pos = end
    tokens.append(Token("end", "", None, len(text), len(text)))
    return tokens


def _token_value(kind: str, text: str, pos: int) -> Any:
    if kind == "num":
        return float(text) if any(c in text for c in ".eE") else int(text)
    if kind == "dur":
        number, unit = text[:-1], text[-1]
        amount = float(number) if "." in number else int(number)
        return amount * DURATION_UNITS[unit]
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ParseError(f"{text} is not a calendar date", pos) from None
    if kind == "str":
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])
    return text


# --- parser ----------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def at(self, text: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text == text

    def advance(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def expect(self, text: str, what: str | None = None) -> Token:
        if not self.at(text):
            found = self.tok.text or "the end of the condition"
            raise ParseError(f"expected {what or repr(text)}, found {found!r}", self.tok.start)
        return self.advance()

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ParseError(
                "the condition is empty", 0, hint="write a condition, e.g. 'p.headcount > 100'"
            )
        node = self.expr()
        if self.tok.kind != "end":
            previous = self.tokens[self.i - 1] if self.i else None
            if previous is not None and previous.kind == "name":
                guess = difflib.get_close_matches(previous.text, sorted(KEYWORDS), n=1)
                if guess and previous.text not in KEYWORDS:
                    raise ParseError(
                        f"unknown word {previous.text!r}",
                        previous.start,
                        hint=f"did you mean {guess[0]!r}?",
                    )
            hint = "join conditions with 'and' or 'or'" if self.tok.kind != "op" else None
            if self.tok.text == ")":
                hint = "this ')' has no '(' to close"
            raise ParseError(f"unexpected {self.tok.text!r}", self.tok.start, hint=hint)
        return node

    def expr(self) -> Node:
        return self.logic("or", self.logic_and)

    def logic_and(self) -> Node:
        return self.logic("and", self.negation)

    def logic(self, op: str, operand: Callable[[], Node]) -> Node:
        first = operand()
        items = [first]
        while self.at(op):
            self.advance()
            items.append(operand())
        if len(items) == 1:
            return first
        return Logic(op, tuple(items), start=first.start, end=items[-1].end)

    def negation(self) -> Node:
        if self.at("not") and not (self.peek().kind == "name" and self.peek().text == "in"):
            start = self.advance().start
            operand = self.negation()
            return Not(operand, start=start, end=operand.end)
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        tok = self.tok
        op: str | None = None
        if tok.kind == "op" and tok.text in ("==", "!=", "<", "<=", ">", ">="):
            op = self.advance().text
        elif self.at("in"):
            self.advance()
            op = "in"
        elif self.at("not") and self.peek().text == "in":
            self.advance()
            self.advance()
            op = "not in"
        elif self.at("within"):
            self.advance()
            window = self.sum()
            self._no_chain()
            return Within(left, window, start=left.start, end=window.end)
        if op is None:
            return left
        right = self.sum()
        self._no_chain()
        return Compare(op, left, right, start=left.start, end=right.end)

    def _no_chain(self) -> None:
        tok = self.tok
        chained = (tok.kind == "op" and tok.text in ("==", "!=", "<", "<=", ">", ">=")) or (
            tok.kind == "name" and tok.text in ("in", "within")
        )
        if self.at("not") and self.peek().text == "in":
            chained = True
        if chained:
            raise ParseError(
                "comparisons do not chain",
                tok.start,
                hint="write 'a < b and b < c'",
            )

    def sum(self) -> Node:
        return self.binary(("+", "-"), self.product)

    def product(self) -> Node:
        return self.binary(("*", "/", "%"), self.unary)

    def binary(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        left = operand()
        while self.tok.kind == "op" and self.tok.text in ops:
            op = self.advance().text
            right = operand()
            left = BinOp(op, left, right, start=left.start, end=right.end)
        return left

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text == "-":
            start = self.advance().start
            operand = self.unary()
            return Neg(operand, start=start, end=operand.end)
        if self.at("exists"):
            start = self.advance().start
            # exists x in xs where ...; but "exists false in xs" tests a literal.
            if (
                self.tok.kind == "name"
                and self.tok.text not in KEYWORDS
                and self.peek().text == "in"
            ):
                return self.comprehension_body("any", start, value=None)
            operand = self.unary()
            return Exists(operand, start=start, end=operand.end)
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.advance()
                name = self.tok
                if name.kind != "name":
                    raise ParseError("expected a field name after '.'", name.start)
                self.advance()
                node = Attr(node, name.text, start=node.start, end=name.end)
            elif self.at("["):
                self.advance()
                key = self.expr()
                end = self.expect("]").end
                node = Index(node, key, start=node.start, end=end)
            else:
                return node

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind in ("num", "dur", "date", "str"):
            self.advance()
            kind = {"num": "number", "dur": "duration", "date": "date", "str": "string"}[tok.kind]
            return Literal(tok.value, kind, start=tok.start, end=tok.end)
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                self.advance()
                return Literal(tok.text == "true", "bool", start=tok.start, end=tok.end)
            if tok.text in KEYWORDS:
                raise ParseError(f"expected a value, found {tok.text!r}", tok.start)
            self.advance()
            if self.at("("):
                return self.call(tok)
            return Name(tok.text, start=tok.start, end=tok.end)
        if self.at("("):
            self.advance()
            node = self.expr()
            if not self.at(")"):
                found = self.tok.text or "the end of the condition"
                raise ParseError(
                    f"expected ')', found {found!r}",
                    self.tok.start,
                    hint="close the '(' at {at}",
                    related=tok.start,
                )
            end = self.advance().end
            return attrs.evolve(node, start=tok.start, end=end)
        if self.at("["):
            self.advance()
            items: list[Node] = []
            while not self.at("]"):
                items.append(self.expr())
                if not self.at(","):
                    break
                self.advance()
            end = self.expect("]", "',' or ']'").end
            return ListLit(tuple(items), start=tok.start, end=end)
        found = tok.text or "the end of the condition"
        raise ParseError(f"expected a value, found {found!r}", tok.start)

    def call(self, name: Token) -> Node:
        self.expect("(")
        if name.text not in AGGREGATES and self._comprehension_ahead():
            guess = difflib.get_close_matches(name.text, sorted(AGGREGATES), n=1)
            raise ParseError(
                f"unknown function {name.text!r}",
                name.start,
                code="unknown-function",
                hint=f"did you mean {guess[0]!r}?"
                if guess
                else f"only {', '.join(sorted(AGGREGATES))} take 'x in xs'",
            )
        if name.text in AGGREGATES and self._comprehension_ahead():
            value: Node | None = None
            # A 'for' at this level means the value comes first, even one that
            # starts like a variable: all(n in [1, 2] for n in xs).
            if self._for_at_depth_zero():
                value = self.expr()
                self.expect("for", "'for'")
            return self.comprehension_body(name.text, name.start, value=value, closing=True)
        args: list[Node] = []
        while not self.at(")"):
            args.append(self.expr())
            if not self.at(","):
                break
            self.advance()
        end = self.expect(")", "',' or ')'").end
        return Call(name.text, tuple(args), start=name.start, end=end, name_end=name.end)

    def _comprehension_ahead(self) -> bool:
        """Whether the call's arguments read ``[value for] NAME in ...`` at depth zero."""
        if self._for_at_depth_zero():
            return True
        return (
            self.tok.kind == "name" and self.tok.text not in KEYWORDS and self.peek().text == "in"
        )

    def _for_at_depth_zero(self) -> bool:
        depth = 0
        previous = None
        for tok in self.tokens[self.i :]:
            if tok.kind == "end":
                return False
            if tok.kind == "op" and tok.text in "([":
                depth += 1
            elif tok.kind == "op" and tok.text in ")]":
                if depth == 0:
                    return False
                depth -= 1
            elif (
                depth == 0
                and tok.kind == "name"
                and tok.text == "for"
                # After a dot it is a field named "for" (x.for), not the keyword.
                and (previous is None or previous.text != ".")
            ):
                return True
            previous = tok
        return False

    def comprehension_body(
        self, func: str, start: int, *, value: Node | None, closing: bool = False
    ) -> Node:
        var = self.tok
        if var.kind != "name" or var.text in KEYWORDS:
            raise ParseError("expected a variable name", var.start)
        self.advance()
        self.expect("in", "'in'")
        source = self.sum()
        where = None
        if self.at("where"):
            self.advance()
            where = self.expr() if closing else self.negation_chain()
        end = self.expect(")", "')'").end if closing else (where or source).end
        return Comprehension(func, var.text, source, where, value, start=start, end=end)

    def negation_chain(self) -> Node:
        # ``exists x in xs where a and b`` takes the whole conjunction as its filter.
        return self.logic_and()


def parse(text: str) -> Node:
    """Parse one condition or expression; raises :class:`ParseError` with an offset."""
    return _Parser(text).parse()
