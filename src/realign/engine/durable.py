"""The adapter to durable_rules: the only module that imports it.

durable_rules 2.0.28 is dormant and has sharp edges (see the project's notes
on it). Each one is handled here, and each has a regression test in
``tests/engine/test_durable_adapter.py``:

* **No background threads.** The stock ``Host`` starts two timer threads that
  steal actions and touch freed states. :class:`_QuietHost` never starts them.
* **Batch asserts lose actions.** ``assert_facts`` raises "message not handled"
  when any one fact completes no pattern, and then runs no actions. Every
  batch is followed by a sentinel fact that an always-firing rule matches,
  which drains the deferred actions.
* **``delete_state`` crashes** on a session where no action ever completed. The
  sentinel guarantees one did before the state is deleted.
* **Numbers the parser rejects.** Python writes ``1e-05``; durable_rules' JSON
  parser refuses an exponent without a fraction. realign writes the JSON of
  rulesets and facts itself, with every number in positional notation.
* **Message-not-handled and already-observed exceptions** are expected and
  absorbed: a fact that matches nothing is normal, and fact ids are unique.
* **At most 1024 live sessions** per ruleset. One assessment is one session,
  deleted in a ``finally``; a lock makes sure at most one is live per host.
* **Immutable rulesets.** Each compiled ruleset is registered once, under a
  name derived from the hash of its content.
* **Facts, not events**, so every rule that matches a fact fires.
* **Deterministic collection.** Actions append to a list; the caller sorts.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable_rules_engine
    from durable import engine as _engine

__all__ = ["FLUSH_RULE", "DurableSession", "DurableMatcher", "dumps"]

FLUSH_RULE = "__flush"


def _number(value: float) -> str:
    if isinstance(value, bool):  # pragma: no cover - handled by the caller
        return "true" if value else "false"
    if not math.isfinite(value):
        msg = f"durable_rules cannot compare {value!r}"
        raise ValueError(msg)
    if isinstance(value, int):
        return f"{value}.0"
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int | float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        msg = f"cannot give durable_rules a {type(value).__name__}"
        raise TypeError(msg)


def dumps(value: Any) -> str:
    """JSON that durable_rules' parser accepts: every number has a fraction and no exponent."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


Firing = tuple[str, dict[str, Any]]


class _QuietHost(_engine.Host):  # type: ignore[misc]
    """A Host that runs actions only in the caller's thread, and collects them."""

    def __init__(self) -> None:
        self.sink: list[Firing] = []
        super().__init__()

    def _run(self) -> None:
        # The stock Host starts timer threads here; realign needs none.
        return

    def get_action(self, action_name: str) -> Any:
        def collect(c: Any) -> None:
            if action_name != FLUSH_RULE:
                message = c._m if c._m is not None else {}
                self.sink.append(
                    (action_name, {alias: dict(fact) for alias, fact in message.items()})
                )

        return collect

    def register_text(self, name: str, definition: dict[str, Any]) -> None:
        """Register a ruleset from realign's own JSON text (so numbers encode safely)."""
        ruleset = _engine.Ruleset.__new__(_engine.Ruleset)
        ruleset._actions = {rule: _engine.Promise(self.get_action(rule)) for rule in definition}
        ruleset._name = name
        ruleset._host = self
        body = {
            rule: {k: v for k, v in spec.items() if k != "run"} for rule, spec in definition.items()
        }
        ruleset._handle = durable_rules_engine.create_ruleset(name, dumps(body))
        ruleset._definition = body
        self._ruleset_directory[name] = ruleset
        self._ruleset_list.append(ruleset)

    def assert_text(self, name: str, facts: Sequence[Mapping[str, Any]]) -> None:
        """Assert a batch of facts; a fact that matches nothing is expected, not an error."""
        ruleset = self.get_ruleset(name)
        text = dumps(list(facts))

        def call(_: Any) -> Any:
            return ruleset._handle_result(
                durable_rules_engine.assert_facts(ruleset._handle, text), facts
            )

        # Handled facts stay stored; their actions run at the next assert (the sentinel).
        with contextlib.suppress(
            _engine.MessageNotHandledException, _engine.MessageObservedException
        ):
            self._handle_function(ruleset, call, None, None)

    def flush(self, name: str, sid: str, token: int) -> None:
        self.assert_text(
            name, [{"sid": sid, "id": f"{FLUSH_RULE}#{token}", "k": FLUSH_RULE, FLUSH_RULE: 1}]
        )


class DurableMatcher:
    """A durable_rules ruleset compiled once, and sessions on it.

    Safe to share across threads: a lock serialises sessions, because
    durable_rules holds the GIL in C anyway (threads cannot run it in
    parallel) and one live session keeps far below its 1024-session limit.
    """

    def __init__(self, rules: Mapping[str, dict[str, Any]]) -> None:
        definition = {name: dict(rule) for name, rule in rules.items()}
        definition[FLUSH_RULE] = {
            "all": [{"m": {"$and": [{"k": FLUSH_RULE}, {FLUSH_RULE: 1}]}}],
            "run": FLUSH_RULE,
        }
        # The flush fact carries k too, so its rule never matches the state fact.
        digest = hashlib.sha256(dumps(definition).encode()).hexdigest()[:16]
        self.name = f"realign_{digest}"
        self._host = _QuietHost()
        self._host.register_text(self.name, definition)
        self._lock = threading.Lock()
        self._counter = itertools.count()
        self.live_sessions = 0

    def session(self) -> DurableSession:
        return DurableSession(self)


class DurableSession:
    """One assessment's session: assert facts in rounds, collect firings, then delete.

    Use it as a context manager; the state is deleted on exit, whatever happens.
    """

    def __init__(self, matcher: DurableMatcher) -> None:
        self._matcher = matcher
        self._sid = ""
        self._rounds = 0

    def __enter__(self) -> DurableSession:
        self._matcher._lock.acquire()
        self._sid = f"s{next(self._matcher._counter)}"
        self._matcher.live_sessions += 1
        return self

    def run(self, facts: Iterable[Mapping[str, Any]]) -> list[Firing]:
        """Assert *facts* into this session and return the firings they cause."""
        host = self._matcher._host
        name = self._matcher.name
        host.sink = []
        batch = [{**fact, "sid": self._sid} for fact in facts]
        if batch:
            host.assert_text(name, batch)
        self._rounds += 1
        host.flush(name, self._sid, self._rounds)
        firings = host.sink
        host.sink = []
        return firings

    def __exit__(self, *exc: object) -> None:
        host = self._matcher._host
        try:
            if self._rounds == 0:
                # delete_state needs an action to have completed in this state.
                host.flush(self._matcher.name, self._sid, 0)
            host.delete_state(self._matcher.name, self._sid)
        finally:
            self._matcher.live_sessions -= 1
            self._matcher._lock.release()
