"""Patching fact documents: small edits of a base file make readable test cases.

Records in fact files are arrays of tables with an ``id``; a path segment or a
patch table can name a record by that id, so a case says
``partners.ironbridge.named_contacts`` instead of an index that breaks when the
base file gains a partner.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ..loading._convert import _nested
from ..model import Partnership

__all__ = ["PatchError", "append_records", "apply_patch", "remove_path"]


class PatchError(ValueError):
    """A patch or an ``unset`` path does not fit the document."""


def _record_index(items: list[Any], key: str) -> int | None:
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == key:
            return index
    return None


def remove_path(document: dict[str, Any], dotted: str) -> None:
    """Delete the value at *dotted* (``governance.escalation_path``, ``meetings.M3``)."""
    parts = dotted.split(".")
    node: Any = document
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if part not in node:
                known = ", ".join(sorted(node)) or "nothing"
                msg = f"unset {dotted!r}: {where!r} is not in the facts (there is: {known})"
                raise PatchError(msg)
            if last:
                del node[part]
                return
            node = node[part]
        elif isinstance(node, list):
            index = _record_index(node, part)
            if index is None:
                ids = [str(i.get("id")) for i in node if isinstance(i, dict) and "id" in i]
                known = ", ".join(ids) or "none"
                msg = f"unset {dotted!r}: no record with id {part!r} (ids: {known})"
                raise PatchError(msg)
            if last:
                del node[index]
                return
            node = node[index]
        else:
            msg = f"unset {dotted!r}: {'.'.join(parts[:depth])!r} is a value, not a table"
            raise PatchError(msg)


def apply_patch(document: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of *document* with *patch* merged in.

    Tables merge key by key; a table applied to an array of records patches the
    record with that id, or appends a new record with that id; anything else replaces.
    """
    out = copy.deepcopy(dict(document))
    _merge(out, patch, (), Partnership)
    return out


def _merge(
    target: dict[str, Any], patch: Mapping[str, Any], path: Sequence[str], model: type | None
) -> None:
    fields = _nested(model) if model is not None else {}
    for key, value in patch.items():
        many, inner = fields.get(key, (False, None))
        current = target.get(key)
        if current is None and isinstance(value, Mapping):
            # The fact model says what an absent key would hold, so a patch can add
            # the first record of an array the base file does not have.
            current = target[key] = [] if many and inner is not None else {}
        where = (*path, key)
        if isinstance(value, Mapping) and isinstance(current, dict):
            _merge(current, value, where, inner)
        elif isinstance(value, Mapping) and isinstance(current, list):
            _merge_records(current, value, where, inner)
        else:
            target[key] = copy.deepcopy(value)


def _merge_records(
    records: list[Any], patch: Mapping[str, Any], path: Sequence[str], model: type | None
) -> None:
    if model is not None and "id" not in _nested(model):
        msg = (
            f"patch {'.'.join(path)!r}: its records have no id to name them by; "
            "replace the whole array, or add records with append"
        )
        raise PatchError(msg)
    for record_id, change in patch.items():
        if not isinstance(change, Mapping):
            msg = (
                f"patch {'.'.join((*path, record_id))!r}: {'.'.join(path)!r} is an array of "
                "records, so each key must name a record id and hold a table"
            )
            raise PatchError(msg)
        index = _record_index(records, record_id)
        if index is None:
            records.append({"id": record_id, **copy.deepcopy(dict(change))})
        else:
            _merge(records[index], change, (*path, record_id), model)


def append_records(document: dict[str, Any], dotted: str, records: Sequence[Any]) -> None:
    """Add *records* to the array at *dotted*, creating the array if the file has none."""
    parts = dotted.split(".")
    node: Any = document
    for part in parts[:-1]:
        if isinstance(node, list):
            index = _record_index(node, part)
            if index is None:
                msg = f"append {dotted!r}: no record with id {part!r}"
                raise PatchError(msg)
            node = node[index]
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            msg = f"append {dotted!r}: {part!r} is inside a value, not a table"
            raise PatchError(msg)
    if not isinstance(node, dict):
        msg = f"append {dotted!r}: the parent is not a table"
        raise PatchError(msg)
    target = node.setdefault(parts[-1], [])
    if not isinstance(target, list):
        msg = f"append {dotted!r}: the facts hold a single value there, not an array"
        raise PatchError(msg)
    target.extend(copy.deepcopy(list(records)))
