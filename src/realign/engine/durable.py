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
* **32-bit fact identity.** durable_rules knows a fact by the FNV-1a hash of its
  id, so two ids with one hash make the second a "duplicate" that never fires.
  Each session renames a fact whose id hash is already taken.
* **At most 255 fields per fact**, or durable_rules drops the fact and returns a
  handle that crashes the process: refused here, before asserting.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .durable_text import MAX_FIELDS, dumps, dumps_facts, fnv1a

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable_rules_engine
    from durable import engine as _engine

__all__ = ["FLUSH_RULE", "DurableMatcher", "DurableSession", "dumps"]

FLUSH_RULE = "__flush"


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
            if action_name == FLUSH_RULE:
                return
            # A capped rule delivers its matches as a list of frames in one call.
            frames = [c._m] if c._m is not None else [x._d for x in c.m or ()]
            for frame in frames:
                self.sink.append(
                    (action_name, {alias: dict(fact) for alias, fact in frame.items()})
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
        text = dumps_facts(facts)

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
        # Re-entrant, so code running inside an assessment may start another one
        # (a second live session) instead of waiting for itself forever.
        self._lock = threading.RLock()
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
        self._ids: dict[int, str] = {}

    def __enter__(self) -> DurableSession:
        self._matcher._lock.acquire()
        self._sid = f"s{next(self._matcher._counter)}"
        self._matcher.live_sessions += 1
        return self

    def run(self, facts: Iterable[Mapping[str, Any]]) -> list[Firing]:
        """Assert *facts* into this session and return the firings they cause."""
        host = self._matcher._host
        name = self._matcher.name
        batch = [self._admit(fact) for fact in facts]
        outer = host.sink
        host.sink = []
        try:
            if batch:
                host.assert_text(name, batch)
            self._rounds += 1
            host.flush(name, self._sid, self._rounds)
            return host.sink
        finally:
            host.sink = outer

    def _admit(self, fact: Mapping[str, Any]) -> dict[str, Any]:
        """The fact with this session's sid, and an id no other fact's hash collides with."""
        if len(fact) + 2 > MAX_FIELDS:
            msg = f"a fact with {len(fact)} fields is more than durable_rules can hold"
            raise ValueError(msg)
        out = {**fact, "sid": self._sid}
        ident = out.get("id")
        if isinstance(ident, str):
            candidate, n = ident, 0
            key = fnv1a(candidate)
            while (taken := self._ids.get(key)) is not None and taken != candidate:
                n += 1
                candidate = f"{ident}~{n}"
                key = fnv1a(candidate)
            self._ids[key] = candidate
            out["id"] = candidate
        return out

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
