"""Functions of the condition language, built-in and from plugins.

A function declares its name, parameter types and return type, so that
``realign check`` can type-check every call before anything runs. Unless a
function says it ``handles_missing``, an unknown argument makes the result
unknown and a missing (null) argument makes it null, so a plugin author never
has to think about unknown facts to be correct about them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from ..hookspecs import hookimpl
from .types import ANY, BOOL, ENTRY, NUMBER, STRING, ListType, MapType, Type
from .values import coalesce, is_unknown, known, merge_unknown

__all__ = ["Function", "builtin_functions"]


@attrs.frozen(kw_only=True)
class Function:
    """A function callable from conditions.

    Attributes:
        name: how conditions call it; lowercase letters, digits and underscores.
        params: the type of each parameter; ``ANY`` accepts every value.
        returns: the type of the result.
        impl: the Python implementation, called with plain values.
        variadic: the last parameter may repeat.
        min_args: the fewest arguments accepted (defaults to all of ``params``).
        handles_missing: *impl* receives ``None`` and unknown values itself.
        doc: one sentence for ``realign rules`` and the language reference.
    """

    name: str
    params: tuple[Type, ...]
    returns: Type
    impl: Callable[..., Any] = attrs.field(eq=False)
    variadic: bool = False
    min_args: int | None = None
    handles_missing: bool = False
    doc: str = ""

    def arity_ok(self, count: int) -> bool:
        fewest = len(self.params) if self.min_args is None else self.min_args
        if count < fewest:
            return False
        return self.variadic or count <= len(self.params)

    def param_type(self, index: int) -> Type:
        if index < len(self.params):
            return self.params[index]
        return self.params[-1]

    @property
    def signature(self) -> str:
        params = [str(p) for p in self.params]
        if self.variadic:
            params[-1] += ", ..."
        return f"{self.name}({', '.join(params)}) -> {self.returns}"


_ANY_LIST = ListType("list", ANY)


def _round(value: float, places: float = 0) -> float:
    # Half away from zero, as the domain prescribes; Python's round() is half-even.
    from ..enrich._base import round_half_away

    return round_half_away(float(value), int(places))


def _length(value: Sequence[Any] | str) -> int:
    return len(value)


def _last(values: Sequence[Any], n: float | None = None) -> Any:
    if n is None:
        return values[-1] if values else None
    count = int(n)
    return list(values[-count:]) if count > 0 else []


def _first(values: Sequence[Any]) -> Any:
    return values[0] if values else None


def _keys(table: dict[str, Any]) -> list[str]:
    return sorted(table)


def _values(table: dict[str, Any]) -> list[Any]:
    return [table[k] for k in sorted(table)]


def _entries(table: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": table[k]} for k in sorted(table)]


def _ratio(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


def _percent_change(new: float, old: float) -> float | None:
    return None if old == 0 else (new - old) / abs(old) * 100


def _strictly(values: Sequence[Any], later_is: Callable[[Any, Any], bool]) -> Any:
    """Whether every value is past the one before it, in three-valued logic.

    The known values must already run that way in order (a strict run is
    transitive, so an unknown between them cannot mend a known step back);
    if they do, an unknown value leaves the answer unknown, with its reasons.
    A missing value can be no step at all.
    """
    items = list(values)
    if any(v is None for v in items):
        return False
    known = [v for v in items if not is_unknown(v)]
    if not all(later_is(after, before) for before, after in itertools.pairwise(known)):
        return False
    unknown = [v for v in items if is_unknown(v)]
    return merge_unknown(unknown) if unknown else True


def _decreasing(values: Sequence[Any]) -> Any:
    return _strictly(values, lambda after, before: after < before)


def _increasing(values: Sequence[Any]) -> Any:
    return _strictly(values, lambda after, before: after > before)


def _is_finite(value: float) -> bool:
    return math.isfinite(value)


def builtin_functions() -> list[Function]:
    return [
        Function(name="abs", params=(NUMBER,), returns=NUMBER, impl=abs, doc="absolute value"),
        Function(
            name="round",
            params=(NUMBER, NUMBER),
            min_args=1,
            returns=NUMBER,
            impl=_round,
            doc="round half away from zero to the given places (default 0)",
        ),
        Function(
            name="len",
            params=(ANY,),
            returns=NUMBER,
            impl=_length,
            doc="number of items in a list or table, or characters in a string",
        ),
        Function(name="first", params=(_ANY_LIST,), returns=ANY, impl=_first, doc="the first item"),
        Function(
            name="last",
            params=(_ANY_LIST, NUMBER),
            min_args=1,
            returns=ANY,
            impl=_last,
            doc="the last item, or a list of the last n items",
        ),
        Function(
            name="keys",
            params=(MapType("table", ANY),),
            returns=ListType("list", STRING),
            impl=_keys,
            doc="the keys of a table, sorted",
        ),
        Function(
            name="values",
            params=(MapType("table", ANY),),
            returns=_ANY_LIST,
            impl=_values,
            doc="the values of a table, in key order",
        ),
        Function(
            name="entries",
            params=(MapType("table", ANY),),
            returns=ListType("list", ENTRY),
            impl=_entries,
            doc="the entries of a table as records with a key and a value, in key order",
        ),
        Function(
            name="ratio",
            params=(NUMBER, NUMBER),
            returns=NUMBER,
            impl=_ratio,
            doc="part / whole, null when whole is 0",
        ),
        Function(
            name="percent_change",
            params=(NUMBER, NUMBER),
            returns=NUMBER,
            impl=_percent_change,
            doc="(new - old) / |old| * 100, null when old is 0",
        ),
        Function(
            name="decreasing",
            params=(_ANY_LIST,),
            returns=BOOL,
            impl=_decreasing,
            doc="every item below the one before it (a run of declines); unknown when an "
            "unknown item could decide it",
        ),
        Function(
            name="increasing",
            params=(_ANY_LIST,),
            returns=BOOL,
            impl=_increasing,
            doc="every item above the one before it (a run of rises); unknown when an "
            "unknown item could decide it",
        ),
        Function(name="lower", params=(STRING,), returns=STRING, impl=str.lower, doc="lower case"),
        Function(
            name="coalesce",
            params=(ANY, ANY),
            variadic=True,
            returns=ANY,
            impl=coalesce,
            handles_missing=True,
            doc="the first argument that is known and not null",
        ),
        Function(
            name="known",
            params=(ANY,),
            returns=BOOL,
            impl=known,
            handles_missing=True,
            doc="true when the value is known (it may still be null)",
        ),
    ]


@hookimpl
def realign_condition_functions() -> list[Function]:
    return builtin_functions()
