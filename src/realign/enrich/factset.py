"""The facts the engine sees: a partnership, its derived facts, and what is unknown."""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import date, time, timedelta
from enum import Enum
from typing import Any, cast

import attrs

from .._builders import positional
from ..errors import RealignError
from ..model import ABSENCE, Partnership

__all__ = ["DerivedFact", "FactSet", "UnknownFactError", "strip_indices", "unknown_facts"]

_INDEX = re.compile(r"\[[^\]]*\]")


def strip_indices(path: str) -> str:
    """``culture.profiles[1].scores`` → ``culture.profiles.scores``, the form of data gaps."""
    return _INDEX.sub("", path)


class UnknownFactError(RealignError, LookupError):
    """A derived fact was asked for by value, but it is unknown."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name} is unknown: {reason}")


@attrs.frozen(kw_only=True)
class DerivedFact:
    """A value computed from stated facts, never authored.

    Attributes:
        name: dotted name; facts about one record start with its path,
            e.g. ``decisions[2].latency_days``.
        value: a JSON-friendly value (None, bool, number, string, date, list, mapping),
            where a list item or mapping value the facts do not state is an
            :class:`~realign.rules.values.Unknown` with its reason, never None.
        sources: fact paths the value was computed from, for explanations.
        description: what the value means, in one sentence.
        unknown: why the value could not be computed, or None when it is known.
            An unknown derived fact makes the rules that need it not evaluable.
    """

    name: str
    value: Any = None
    sources: tuple[str, ...] = ()
    description: str = ""
    unknown: str | None = None

    @property
    def known(self) -> bool:
        return self.unknown is None


#: ``DerivedFact(name=..., value=..., sources=..., description=..., unknown=...)``, by
#: position: every derived fact is built here, on the enrichers' hot path
derived_fact: Callable[[str, Any, tuple[str, ...], str, str | None], DerivedFact] = positional(
    DerivedFact
)


@attrs.frozen(kw_only=True)
class FactSet:
    """A validated partnership with its derived facts and the facts that are unknown.

    ``unknown`` maps fact paths to the reason they are unknown: a declared data gap
    (``assessment.data_gaps``), or a table or value the file does not state. An
    omitted collection is not unknown: it means the consultant found none.
    """

    partnership: Partnership
    derived: Mapping[str, DerivedFact] = attrs.field(factory=dict)
    unknown: Mapping[str, str] = attrs.field(factory=dict)

    def is_known(self, path: str) -> bool:
        """Whether the stated fact at *path* (e.g. ``partners[1].headcount``) is known."""
        return self.reason_unknown(path) is None

    def reason_unknown(self, path: str) -> str | None:
        """Why the fact at *path* is unknown, or None if it is known."""
        return self._unknown_index.reason(path)

    @functools.cached_property
    def _unknown_index(self) -> _UnknownIndex:
        return _UnknownIndex(self.unknown)

    @functools.cached_property
    def namespaces(self) -> frozenset[str]:
        """Every proper prefix of a derived fact's name: ``governance.sponsors`` and so on."""
        spaces: set[str] = set()
        for name in self.derived:
            end = name.rfind(".")
            while end >= 0:
                prefix = name[:end]
                if prefix in spaces:
                    break  # and so are all of its own prefixes, added with it
                spaces.add(prefix)
                end = name.rfind(".", 0, end)
        return frozenset(spaces)

    def value(self, name: str) -> Any:
        """The value of the derived fact *name*.

        Raises:
            KeyError: no enricher derives *name*.
            UnknownFactError: it could not be computed; the error says why.
        """
        fact = self.derived[name]
        if fact.unknown is not None:
            raise UnknownFactError(name, fact.unknown)
        return fact.value


def with_derived(facts: FactSet, derived: Mapping[str, DerivedFact]) -> FactSet:
    """*facts* with other derived facts: the same partnership, unknowns and answers about them.

    Which stated facts are unknown does not depend on the derived facts, so the
    answers already worked out carry over instead of being asked again.
    """
    extended = FactSet(partnership=facts.partnership, derived=derived, unknown=facts.unknown)
    # The cached property is a slot of the frozen class: fill it the way attrs would.
    object.__setattr__(extended, "_unknown_index", facts._unknown_index)
    return extended


_NOT_FOUND = object()
#: Beyond this many unknown paths under one top-level key, a path's prefixes are
#: looked up one by one rather than each unknown path tried as a prefix.
_FEW = 16


class _UnknownIndex:
    """Answers "why is this path unknown" from a map of unknown paths, remembering each answer.

    A path is unknown when one of its prefixes, with its indices or without them,
    is (``culture.profiles[1].scores`` under a gap on ``culture.profiles.scores``);
    the shortest such prefix gives the reason, and with its indices comes first.
    The unknown paths are grouped by their top-level key, and there are usually
    few of them under one key: trying each as a prefix is cheaper than listing
    the prefixes of the path.
    """

    __slots__ = ("answers", "by_head", "gaps", "heads", "unknown")

    def __init__(self, unknown: Mapping[str, str]) -> None:
        self.unknown = unknown
        by_head: dict[str, list[str]] = {}
        for path in unknown:
            by_head.setdefault(_head(path), []).append(path)
        self.by_head = {head: tuple(sorted(paths, key=len)) for head, paths in by_head.items()}
        #: The top-level keys with something unknown under them: a path that starts
        #: with none of them is known, which ``startswith`` tells without splitting it.
        self.heads = tuple(self.by_head)
        self.answers: dict[str, str | None] = {}
        #: The enrichers' gaps by the paths they need, first unknown first: the
        #: same needs come back in several enrichers of one fact set.
        self.gaps: dict[tuple[str, ...], str | None] = {}

    def reason(self, path: str) -> str | None:
        answers = self.answers
        # Asked with ``in`` first: telling a sentinel apart would need a cast(), a call.
        if path in answers:
            return answers[path]
        # _head, inline: most paths asked about stop here.
        candidates = self.by_head.get(path.partition(".")[0].partition("[")[0])
        found = None if candidates is None else self._find(path, candidates)
        answers[path] = found
        return found

    def _find(self, path: str, candidates: tuple[str, ...]) -> str | None:
        """Why *path* is unknown, given the unknown paths under its top-level key."""
        if not path or path[0] in ".[" or "\n" in path:
            # Out of the ordinary: the prefixes exactly as _prefixes finds them.
            return self._find_by_prefixes(path)
        reason = self._shortest(path, candidates)
        if reason is _NOT_FOUND and "[" in path:
            stripped = strip_indices(path)
            reason = self._shortest(stripped, self.by_head.get(_head(stripped), ()))
        return None if reason is _NOT_FOUND else cast("str | None", reason)

    def _shortest(self, path: str, candidates: tuple[str, ...]) -> object:
        """The reason of the shortest unknown prefix of *path*, else ``_NOT_FOUND``.

        *candidates* are the unknown paths under the top-level key of *path*,
        shortest first. *path* neither starts with a separator nor holds a line
        break, so its prefixes end where a ``.`` or ``[`` follows, or at its end.
        """
        if not path.startswith(candidates):
            # None of them starts the path, let alone at a separator: the usual answer.
            return _NOT_FOUND
        if len(candidates) > _FEW:
            for prefix in _prefixes(path):
                if prefix in self.unknown:
                    return self.unknown[prefix]
            return _NOT_FOUND
        size = len(path)
        for candidate in candidates:
            end = len(candidate)
            if path.startswith(candidate) and (end == size or path[end] in ".["):
                return self.unknown[candidate]
        return _NOT_FOUND

    def _find_by_prefixes(self, path: str) -> str | None:
        for candidate in (*_prefixes(path), *_prefixes(strip_indices(path))):
            if candidate in self.unknown:
                return self.unknown[candidate]
        return None


def _head(path: str) -> str:
    """The top-level key of a path: ``culture`` for ``culture.profiles[0]``."""
    return path.partition(".")[0].partition("[")[0]


_BOUNDARY = re.compile(r"(?=[.\[])|$")


def _prefixes(path: str) -> Iterator[str]:
    """``a.b[0].c`` → ``a``, ``a.b``, ``a.b[0]``, ``a.b[0].c``."""
    for match in _BOUNDARY.finditer(path):
        end = match.start()
        if end:
            yield path[:end]


def unknown_facts(partnership: Partnership) -> dict[str, str]:
    """Map every unknown fact path of *partnership* to the reason it is unknown.

    Omitted values that mean "not yet" (a decision not yet taken, a milestone not
    yet completed) and free-text annotations are not unknown, and a value inside
    a declared data gap is reported under the gap.
    """
    declared = "declared a data gap in assessment.data_gaps"
    unstated = "not stated in the fact file"
    gaps = set(partnership.assessment.data_gaps)
    paths: list[str] = []
    _walker(type(partnership))(partnership, "", paths)
    if not gaps:
        # Sorting the paths alone is cheaper than sorting (path, reason) pairs.
        return dict.fromkeys(sorted(paths), unstated)
    out = dict.fromkeys(gaps, declared)
    for path in paths:
        if not any(prefix in gaps for prefix in _prefixes(strip_indices(path))):
            out[path] = unstated
    return {path: out[path] for path in sorted(out)}


# What a field can hold, read from its type: nothing that can be unknown inside
# (a scalar, a mapping, a tuple of scalars), one record, a tuple of records, or
# anything (the type says too little; every value is looked at).
_LEAF, _RECORD, _RECORDS, _ANY = range(4)
_SCALARS = (str, bytes, int, float, complex, date, time, timedelta, Enum)


_Walker = Callable[[Any, str, list[str]], None]
_WALKERS: dict[type, _Walker] = {}


def _walker(cls: type) -> _Walker:
    """The function that appends to a list the path of every unknown value under a *cls* record.

    Each record type gets its own, written out field by field from its plan and
    compiled once, the way attrs writes ``__init__``: looping over the plan costs
    twice as much, and every partnership is walked whole. attrs writes the field
    names into its own code too, so they are identifiers.
    """
    walker = _WALKERS.get(cls)
    if walker is not None:
        return walker
    lines = ["def walk(node, prefix, out):"]
    for name, may_be_unknown, kind in _walk_plan(cls):
        lines.append(f"    value = node.{name}")
        if may_be_unknown:
            lines += ["    if value is None:", f"        out.append(prefix + {name!r})"]
        if kind == _RECORD:
            lines += [
                "    if value is not None:",
                "        kind = type(value)",
                f"        (walkers.get(kind) or walker(kind))(value, prefix + {name + '.'!r}, out)",
            ]
        elif kind == _RECORDS:
            lines += [
                "    if value:",
                "        for index, item in enumerate(value):",
                "            kind = type(item)",
                "            (walkers.get(kind) or walker(kind))(",
                f'                item, f"{{prefix}}{name}[{{index}}].", out',
                "            )",
            ]
        elif kind == _ANY:
            lines += [
                "    if value is not None:",
                f"        _walk_any(value, prefix + {name!r}, out)",
            ]
    lines.append("    return None")
    namespace: dict[str, Any] = {"walkers": _WALKERS, "walker": _walker, "_walk_any": _walk_any}
    code = compile("\n".join(lines), f"<unknown paths of {cls.__qualname__}>", "exec")
    exec(code, namespace)
    walker = _WALKERS[cls] = cast(_Walker, namespace["walk"])
    return walker


def _walk_any(value: Any, path: str, out: list[str]) -> None:
    """Walk a value whose type says too little: a record, or a tuple that may hold records."""
    value_type: type = type(value)
    if _is_record(value_type):
        _walker(value_type)(value, path + ".", out)
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            item_type: type = type(item)
            if _is_record(item_type):
                _walker(item_type)(item, f"{path}[{index}].", out)


@functools.cache
def _walk_plan(cls: type) -> tuple[tuple[str, bool, int], ...]:
    """The fields of *cls* that can be or hold an unknown value.

    Each comes with whether its omission makes it unknown (rather than "not yet")
    and what it can hold. A scalar is left out when its omission means "not yet",
    or when its type does not admit None: a validated partnership always states it.
    """
    plan = []
    for field in attrs.fields(cls):
        may_be_unknown = ABSENCE not in field.metadata and _admits_none(field.type)
        kind = _kind(field.type)
        if may_be_unknown or kind != _LEAF:
            plan.append((field.name, may_be_unknown, kind))
    return tuple(plan)


def _admits_none(hint: Any) -> bool:
    """Whether a value of type *hint* may be None (when the type says too little, it may)."""
    if hint is Any or hint is object:
        return True
    supertype = getattr(hint, "__supertype__", None)
    if supertype is not None:  # a NewType
        return _admits_none(supertype)
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(_admits_none(arg) for arg in typing.get_args(hint))
    if origin is not None:
        return not isinstance(origin, type)
    if isinstance(hint, type):
        return hint is type(None)
    return True


def _kind(hint: Any) -> int:
    """What a value of type *hint* can hold: ``_LEAF``, ``_RECORD``, ``_RECORDS`` or ``_ANY``."""
    if hint is Any or hint is object:
        return _ANY
    supertype = getattr(hint, "__supertype__", None)
    if supertype is not None:  # a NewType
        return _kind(supertype)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        kinds = {_kind(arg) for arg in args if arg is not type(None)}
        return kinds.pop() if len(kinds) == 1 else _ANY
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            if isinstance(args[0], type) and _is_record(args[0]):
                return _RECORDS
            # Only records inside a tuple are looked into, so nested tuples hold nothing.
            return _LEAF if _kind(args[0]) in (_LEAF, _RECORDS) else _ANY
        return _ANY
    if origin is not None:
        # A mapping, list or set is never looked into.
        leaf = isinstance(origin, type) and issubclass(origin, (Mapping, list, set, frozenset))
        return _LEAF if leaf else _ANY
    if isinstance(hint, type):
        if _is_record(hint):
            return _RECORD
        return _LEAF if issubclass(hint, _SCALARS) else _ANY
    return _ANY


@functools.cache
def _is_record(cls: type) -> bool:
    return attrs.has(cls)
