"""The adapter to durable_rules: the only module that imports it.

durable_rules 2.0.28 is dormant and has sharp edges (see the project's notes
on it). realign drives its C extension, ``durable_rules_engine``, directly:
the library's Python ``Host`` wraps every action in JSON round trips, closures
and timer threads, and measured as most of the matching time. The adapter
follows the action protocol of that wrapper (start the actions of a state,
complete each action and start the next) and handles each sharp edge; each
has a regression test in ``tests/engine/test_durable_adapter.py``. The wrapper
also stores the state again after every action, because its actions may
change it; realign's actions never do, and storing it unchanged only asserts
the same state fact again, so the adapter skips that call.

* **No background threads.** The stock ``Host`` starts two timer threads that
  steal actions and touch freed states. The adapter has no Host, so nothing
  starts a thread, and firings are collected in the caller's.
* **Batch asserts defer actions.** ``assert_facts`` reports "message not
  handled" when any one fact completes no pattern, and then starts no actions.
  Every batch ends with a sentinel fact that an always-firing rule matches,
  and the actions of the state are drained after it, whatever the answer.
* **``delete_state`` crashes** on a state where no action ever completed. A
  sentinel is asserted into a state before it is deleted.
* **Numbers the parser rejects.** Python writes ``1e-05``; durable_rules' JSON
  parser refuses an exponent without a fraction. realign writes the JSON of
  rulesets and facts itself, with every number in positional notation.
* **Message-not-handled and already-observed results** are expected: a fact
  that matches nothing is normal, and fact ids are unique.
* **At most 1024 live sessions** per ruleset. A matcher uses one shared state,
  cleared in a ``finally``; a lock makes sure one assessment at a time uses it,
  and a session nested in another gets a state of its own, deleted on exit.
* **Immutable rulesets.** Each compiled ruleset is registered once, under a
  name derived from the hash of its content.
* **Facts, not events**, so every rule that matches a fact fires.
* **Deterministic collection.** Firings are appended to a list; the caller sorts.
* **32-bit fact identity.** durable_rules knows a fact by the FNV-1a hash of its
  id, so two ids with one hash make the second a "duplicate" that never fires.
  Each session renames a fact whose id hash is already taken.
* **At most 255 fields per fact**, or durable_rules drops the fact and returns a
  handle that crashes the process: refused here, before asserting.
* **A large state per session.** A durable_rules state holds about 12 KB per
  rule. Created and deleted per assessment, it is written afresh every time
  (and, depending on glibc's malloc thresholds, mapped and faulted in page by
  page), which costs more than the matching. Assessments therefore take turns
  in one state per matcher, and each retracts its facts when it is done.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from .durable_text import MAX_FIELDS, dumps, dumps_facts, fnv1a

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable_rules_engine as _dr

__all__ = ["FLUSH_RULE", "DurableMatcher", "DurableSession", "dumps"]

FLUSH_RULE = "__flush"

Firing = tuple[str, dict[str, Any]]

#: what ``assert_facts`` answers when it queued the batch for a state it loads later
_QUEUED = 3
#: fact id hashes a matcher remembers before it starts over
_MAX_HASHES = 1 << 16


class DurableMatcher:
    """A durable_rules ruleset compiled once, and sessions on it.

    *rules* maps each rule name to its durable_rules definition; an optional
    ``run`` names the firing (the rule's name otherwise). Safe to share across
    threads: a lock serialises sessions, because durable_rules holds the GIL in
    C anyway (threads cannot run it in parallel) and one live session keeps far
    below its 1024-session limit.
    """

    def __init__(self, rules: Mapping[str, Mapping[str, Any]]) -> None:
        self._firing = {name: str(rule.get("run", name)) for name, rule in rules.items()}
        body = {name: {k: v for k, v in rule.items() if k != "run"} for name, rule in rules.items()}
        body[FLUSH_RULE] = {"all": [{"m": {"$and": [{"k": FLUSH_RULE}, {FLUSH_RULE: 1}]}}]}
        # The flush fact carries k too, so its rule never matches the state fact.
        text = dumps(body)
        self.name = f"realign_{hashlib.sha256(text.encode()).hexdigest()[:16]}"
        self._handle = _dr.create_ruleset(self.name, text)
        # Re-entrant, so code running inside an assessment may start another one
        # (a second live session) instead of waiting for itself forever.
        self._lock = threading.RLock()
        self._counter = itertools.count()
        self._hashes: dict[str, int] = {}
        self.live_sessions = 0
        #: the state assessments take turns in: each retracts its facts when done
        self._shared = self._fresh_sid()

    def session(self) -> DurableSession:
        return DurableSession(self)

    def _assert(self, text: str, sink: list[Firing]) -> None:
        """Assert a batch (JSON) that ends with a sentinel, and collect the firings it caused."""
        code, state = _dr.assert_facts(self._handle, text)
        # "Not handled" (some fact completed no pattern) and "already observed"
        # (some id was known) still queue the actions of every fact that matched:
        # the sentinel matched, so there is always at least one to run.
        self._drain(0 if code == _QUEUED else state, sink)

    def _drain(self, state: int, sink: list[Firing]) -> None:
        """Run the pending actions of a state, as the library's Host would."""
        started = _dr.start_action_for_state(self._handle, state)
        if not started:
            return
        # The state fact comes first; no action changes it, so it is not stored again.
        _, message = started
        messages = []
        while message:
            messages.append(message)
            message = _dr.complete_and_start_action(self._handle, state)
        # One parse for all the actions' messages: each is a JSON object.
        for fired in json.loads(f"[{','.join(messages)}]"):
            for name, frames in fired.items():
                self._collect(name, frames, sink)

    def _collect(self, name: str, frames: Any, sink: list[Firing]) -> None:
        if name == FLUSH_RULE:
            return
        firing = self._firing[name]
        # A capped rule delivers its matches as a list of frames in one action.
        for frame in frames if isinstance(frames, list) else (frames,):
            sink.append((firing, frame))

    def _sentinel(self, sid: str) -> dict[str, Any]:
        token = next(self._counter)
        return {"sid": sid, "id": f"{FLUSH_RULE}#{token}", "k": FLUSH_RULE, FLUSH_RULE: 1}

    def _fresh_sid(self) -> str:
        return f"s{next(self._counter)}"

    def _delete(self, sid: str) -> None:
        """Delete a state; one where no action ever completed needs the sentinel's first."""
        self._assert(dumps_facts([self._sentinel(sid)]), [])
        _dr.delete_state(self._handle, sid)

    def _clear(self, batches: list[str]) -> None:
        """Retract every fact of *batches* from the shared state, or replace the state.

        Retracting leaves the state as it was before the assessment, without
        allocating a new one: a new state costs about 12 KB per rule, written
        and then read again, which a long run pays in cache misses.
        """
        try:
            _, state = _dr.retract_facts(self._handle, f"[{','.join(b[1:-1] for b in batches)}]")
            # No rule waits for a fact to go away, so retracting starts nothing.
            if _dr.start_action_for_state(self._handle, state):  # pragma: no cover - defensive
                msg = "retracting facts started an action"
                raise RuntimeError(msg)
        except Exception:
            # Whatever the state holds now, no later assessment may see it.
            sid, self._shared = self._shared, self._fresh_sid()
            self._delete(sid)

    def _hash(self, ident: str) -> int:
        # Fact ids repeat from one assessment to the next (rule, binding, index),
        # and hashing a string byte by byte in Python is the slow part of admitting.
        known = self._hashes.get(ident)
        if known is None:
            if len(self._hashes) >= _MAX_HASHES:
                self._hashes.clear()
            known = self._hashes[ident] = fnv1a(ident)
        return known


class DurableSession:
    """One assessment's session: assert facts in rounds, collect firings, then clean up.

    Use it as a context manager. Sessions take turns in one durable_rules state
    of their matcher: on exit, whatever happened, a session retracts every fact
    it asserted, so the next one starts from an empty state. A session opened
    while another is live (code inside an assessment starting another one) gets
    a state of its own, deleted on exit.
    """

    def __init__(self, matcher: DurableMatcher) -> None:
        self._matcher = matcher
        self._sid = ""
        self._own_state = False
        #: the JSON of every batch asserted, to retract them on exit
        self._batches: list[str] = []
        self._ids: dict[int, str] = {}

    def __enter__(self) -> DurableSession:
        matcher = self._matcher
        matcher._lock.acquire()
        matcher.live_sessions += 1
        self._own_state = matcher.live_sessions > 1
        self._sid = matcher._fresh_sid() if self._own_state else matcher._shared
        return self

    def run(self, facts: Iterable[Mapping[str, Any]]) -> list[Firing]:
        """Assert *facts* into this session and return the firings they cause."""
        matcher = self._matcher
        batch = [self._admit(fact) for fact in facts]
        batch.append(matcher._sentinel(self._sid))
        text = dumps_facts(batch)
        # Kept before asserting: a batch that fails half way may have stored some facts.
        self._batches.append(text)
        sink: list[Firing] = []
        matcher._assert(text, sink)
        return sink

    def _admit(self, fact: Mapping[str, Any]) -> dict[str, Any]:
        """The fact with this session's sid, and an id no other fact's hash collides with."""
        if len(fact) + 2 > MAX_FIELDS:
            msg = f"a fact with {len(fact)} fields is more than durable_rules can hold"
            raise ValueError(msg)
        out = {**fact, "sid": self._sid}
        ident = out.get("id")
        if isinstance(ident, str):
            candidate, n = ident, 0
            key = self._matcher._hash(candidate)
            while (taken := self._ids.get(key)) is not None and taken != candidate:
                n += 1
                candidate = f"{ident}~{n}"
                key = self._matcher._hash(candidate)
            self._ids[key] = candidate
            out["id"] = candidate
        return out

    def __exit__(self, *exc: object) -> None:
        matcher = self._matcher
        try:
            if self._own_state:
                matcher._delete(self._sid)
            elif self._batches:
                matcher._clear(self._batches)
        finally:
            matcher.live_sessions -= 1
            matcher._lock.release()
