"""The facts the engine sees: a partnership, its derived facts, and what is unknown."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

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
        answers = self._answers
        if path in answers:
            return answers[path]
        reason = None
        if _head(path) in self._unknown_heads:
            for candidate in (*_prefixes(path), *_prefixes(strip_indices(path))):
                if candidate in self.unknown:
                    reason = self.unknown[candidate]
                    break
        answers[path] = reason
        return reason

    @functools.cached_property
    def _answers(self) -> dict[str, str | None]:
        # The enrichers and the evaluator ask about the same paths again and again.
        return {}

    @functools.cached_property
    def namespaces(self) -> frozenset[str]:
        """Every proper prefix of a derived fact's name: ``governance.sponsors`` and so on."""
        spaces: set[str] = set()
        for name in self.derived:
            parts = name.split(".")
            for end in range(1, len(parts)):
                spaces.add(".".join(parts[:end]))
        return frozenset(spaces)

    @functools.cached_property
    def _unknown_heads(self) -> frozenset[str]:
        return frozenset(_head(path) for path in self.unknown)

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


def _head(path: str) -> str:
    """The top-level key of a path: ``culture`` for ``culture.profiles[0]``."""
    return path.partition(".")[0].partition("[")[0]


def _prefixes(path: str) -> Iterator[str]:
    """``a.b[0].c`` → ``a``, ``a.b``, ``a.b[0]``, ``a.b[0].c``."""
    for match in re.finditer(r"(?=[.\[])|$", path):
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
    gaps = set(partnership.assessment.data_gaps)
    out = dict.fromkeys(sorted(gaps), declared)
    for path in _unstated(partnership, ""):
        if not any(prefix in gaps for prefix in _prefixes(strip_indices(path))):
            out[path] = "not stated in the fact file"
    return dict(sorted(out.items()))


def _unstated(node: Any, prefix: str) -> Iterator[str]:
    record_type: type = type(node)
    for name, may_be_unknown in _optional_fields(record_type):
        value = getattr(node, name)
        path = f"{prefix}{name}"
        value_type: type = type(value)
        if value is None:
            if may_be_unknown:
                yield path
        elif _is_record(value_type):
            yield from _unstated(value, path + ".")
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                item_type: type = type(item)
                if _is_record(item_type):
                    yield from _unstated(item, f"{path}[{index}].")


@functools.cache
def _optional_fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """Each field's name, and whether its omission makes it unknown (not "not yet")."""
    return tuple((f.name, ABSENCE not in f.metadata) for f in attrs.fields(cls))


@functools.cache
def _is_record(cls: type) -> bool:
    return attrs.has(cls)
