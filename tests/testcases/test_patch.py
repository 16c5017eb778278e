"""Edits of fact documents for test cases: ``apply_patch``, ``remove_path``, ``append_records``."""

from __future__ import annotations

import copy
import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realign.testcases import PatchError, append_records, apply_patch, remove_path

HEALTHY = Path(__file__).resolve().parents[2] / "examples" / "healthy.toml"


@pytest.fixture(scope="module")
def healthy_doc() -> dict[str, Any]:
    return tomllib.loads(HEALTHY.read_text(encoding="utf-8"))


@pytest.fixture
def healthy(healthy_doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(healthy_doc)


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def _by_id(records: list[dict[str, Any]], record_id: str) -> dict[str, Any]:
    (found,) = [r for r in records if r.get("id") == record_id]
    return found


# --- apply_patch: tables, records, replacement ------------------------------------------------


def test_tables_merge_key_by_key(healthy: dict[str, Any]) -> None:
    out = apply_patch(healthy, {"governance": {"escalation_path": {"defined": False}}})
    path = out["governance"]["escalation_path"]
    assert path["defined"] is False
    # The keys the patch does not name survive, at every level.
    assert path["max_days_per_level"] == 10
    assert path["levels"] == healthy["governance"]["escalation_path"]["levels"]
    assert out["governance"]["decision_protocol"] == healthy["governance"]["decision_protocol"]
    assert out["partners"] == healthy["partners"]


def test_a_record_is_patched_by_its_id(healthy: dict[str, Any]) -> None:
    out = apply_patch(healthy, {"partners": {"nimbus": {"named_contacts": 0}}})
    assert _ids(out["partners"]) == ["helix", "nimbus"]
    nimbus = _by_id(out["partners"], "nimbus")
    assert nimbus["named_contacts"] == 0
    assert nimbus["alliance_manager"] == "Luis Ortega"
    assert _by_id(out["partners"], "helix") == _by_id(healthy["partners"], "helix")


def test_a_table_inside_a_record_merges(healthy: dict[str, Any]) -> None:
    out = apply_patch(healthy, {"objectives": {"O1": {"priority": {"nimbus": 1}}}})
    assert _by_id(out["objectives"], "O1")["priority"] == {"helix": 5, "nimbus": 1}


def test_an_unknown_id_appends_a_new_record(healthy: dict[str, Any]) -> None:
    change = {"type": "steering_committee", "date": dt.date(2025, 6, 25)}
    out = apply_patch(healthy, {"meetings": {"M9": change}})
    assert _ids(out["meetings"]) == [*_ids(healthy["meetings"]), "M9"]
    assert out["meetings"][-1] == {"id": "M9", **change}


def test_an_absent_array_of_records_is_created_from_the_model() -> None:
    # The fact model knows `partners` holds records, so a table names a record by id.
    out = apply_patch({}, {"partners": {"acme": {"named_contacts": 2}}})
    assert out == {"partners": [{"id": "acme", "named_contacts": 2}]}


def test_an_absent_table_is_created_as_a_table() -> None:
    out = apply_patch({}, {"governance": {"escalation_path": {"defined": True}}})
    assert out == {"governance": {"escalation_path": {"defined": True}}}


def test_the_model_is_followed_into_records(healthy: dict[str, Any]) -> None:
    # A new meeting in a base file without any: still a list of records, keyed by id.
    del healthy["meetings"]
    out = apply_patch(healthy, {"meetings": {"M1": {"type": "strategy_sync"}}})
    assert out["meetings"] == [{"id": "M1", "type": "strategy_sync"}]


def test_a_scalar_is_replaced(healthy: dict[str, Any]) -> None:
    out = apply_patch(healthy, {"partnership": {"stage": "renewal"}})
    assert out["partnership"]["stage"] == "renewal"


def test_an_array_is_replaced_whole(healthy: dict[str, Any]) -> None:
    members = [{"partner": "helix", "name": "Tom Becker", "role": "CTO", "level": "exec"}]
    out = apply_patch(healthy, {"governance": {"steering_committee": {"members": members}}})
    assert out["governance"]["steering_committee"]["members"] == members
    out = apply_patch(healthy, {"partners": [{"id": "solo"}]})
    assert out["partners"] == [{"id": "solo"}]


def test_an_array_of_strings_is_replaced_not_merged(healthy: dict[str, Any]) -> None:
    out = apply_patch(healthy, {"objectives": {"O1": {"agreed_by": ["helix"]}}})
    assert _by_id(out["objectives"], "O1")["agreed_by"] == ["helix"]


def test_a_table_replaces_a_scalar() -> None:
    out = apply_patch({"a": 1}, {"a": {"b": 2}})
    assert out == {"a": {"b": 2}}


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        (
            {"culture": {"integration_activities": {"x": {"status": "done"}}}},
            "culture.integration_activities",
        ),
        ({"pulse_surveys": {"2025-Q2": {"responses": 3}}}, "pulse_surveys"),
        (
            {"governance": {"steering_committee": {"members": {"helix": {"level": "exec"}}}}},
            "governance.steering_committee.members",
        ),
        ({"kpis": {"K1": {"series": {"2024-Q3": {"actual": 1}}}}}, "kpis.K1.series"),
    ],
    ids=["integration_activities", "pulse_surveys", "committee_members", "kpi_series"],
)
def test_records_without_ids_cannot_be_patched_by_id(
    healthy: dict[str, Any], patch: dict[str, Any], where: str
) -> None:
    with pytest.raises(PatchError) as caught:
        apply_patch(healthy, patch)
    message = str(caught.value)
    assert repr(where) in message
    assert "no id" in message
    assert "append" in message  # says what to do instead


def test_records_without_ids_are_rejected_even_when_the_array_is_absent() -> None:
    with pytest.raises(PatchError, match="integration_activities"):
        apply_patch({}, {"culture": {"integration_activities": {"x": {"status": "done"}}}})


def test_a_record_patch_must_be_a_table(healthy: dict[str, Any]) -> None:
    with pytest.raises(PatchError) as caught:
        apply_patch(healthy, {"partners": {"nimbus": 3}})
    message = str(caught.value)
    assert "'partners.nimbus'" in message
    assert "record id" in message


def test_patch_error_is_a_value_error() -> None:
    assert issubclass(PatchError, ValueError)


# --- remove_path --------------------------------------------------------------------------


def test_unset_deletes_a_key(healthy: dict[str, Any]) -> None:
    remove_path(healthy, "governance.escalation_path")
    assert "escalation_path" not in healthy["governance"]
    assert "decision_protocol" in healthy["governance"]


def test_unset_deletes_a_record_by_id(healthy: dict[str, Any]) -> None:
    before = _ids(healthy["meetings"])
    remove_path(healthy, "meetings.M3")
    assert _ids(healthy["meetings"]) == [m for m in before if m != "M3"]


def test_unset_reaches_into_a_record_by_id(healthy: dict[str, Any]) -> None:
    remove_path(healthy, "partners.nimbus.named_contacts")
    assert "named_contacts" not in _by_id(healthy["partners"], "nimbus")
    assert "named_contacts" in _by_id(healthy["partners"], "helix")


def test_unset_of_a_missing_key_names_what_exists(healthy: dict[str, Any]) -> None:
    with pytest.raises(PatchError) as caught:
        remove_path(healthy, "governance.escalation")
    message = str(caught.value)
    assert "'governance.escalation'" in message
    for key in ("decision_protocol", "escalation_path", "shared_scorecard", "steering_committee"):
        assert key in message


def test_unset_of_a_missing_record_names_the_ids(healthy: dict[str, Any]) -> None:
    with pytest.raises(PatchError) as caught:
        remove_path(healthy, "partners.acme")
    message = str(caught.value)
    assert "'acme'" in message
    assert "helix" in message
    assert "nimbus" in message


def test_unset_through_a_value_says_so(healthy: dict[str, Any]) -> None:
    with pytest.raises(PatchError, match="is a value, not a table"):
        remove_path(healthy, "partnership.stage.name")


def test_a_failed_unset_changes_nothing(
    healthy: dict[str, Any], healthy_doc: dict[str, Any]
) -> None:
    with pytest.raises(PatchError):
        remove_path(healthy, "governance.nothing.here")
    assert healthy == healthy_doc


# --- append_records -----------------------------------------------------------------------


def test_append_extends_an_array(healthy: dict[str, Any]) -> None:
    record = {"type": "team_building", "status": "ongoing", "date": dt.date(2024, 1, 1)}
    before = list(healthy["culture"]["integration_activities"])
    append_records(healthy, "culture.integration_activities", [record])
    assert healthy["culture"]["integration_activities"] == [*before, record]


def test_append_creates_an_absent_array(healthy: dict[str, Any]) -> None:
    del healthy["pulse_surveys"]
    append_records(healthy, "pulse_surveys", [{"period": "2025-Q2"}, {"period": "2025-Q3"}])
    assert healthy["pulse_surveys"] == [{"period": "2025-Q2"}, {"period": "2025-Q3"}]


def test_append_creates_absent_tables_on_the_way() -> None:
    document: dict[str, Any] = {}
    append_records(document, "culture.integration_activities", [{"type": "shared_tools"}])
    assert document == {"culture": {"integration_activities": [{"type": "shared_tools"}]}}


def test_append_goes_through_a_record_id(healthy: dict[str, Any]) -> None:
    point = {"period": "2025-Q3", "target": 100, "actual": 90}
    append_records(healthy, "kpis.K1.series", [point])
    assert _by_id(healthy["kpis"], "K1")["series"][-1] == point
    assert len(_by_id(healthy["kpis"], "K2")["series"]) == 4


def test_append_copies_the_records(healthy: dict[str, Any]) -> None:
    record = {"type": "joint_training", "participants": {"helix": 1}}
    append_records(healthy, "culture.integration_activities", [record])
    record["participants"]["helix"] = 99
    assert healthy["culture"]["integration_activities"][-1]["participants"] == {"helix": 1}


def test_append_to_a_missing_record_names_it(healthy: dict[str, Any]) -> None:
    with pytest.raises(PatchError, match="no record with id 'K9'"):
        append_records(healthy, "kpis.K9.series", [{"period": "2025-Q3"}])


def test_append_to_a_single_value_is_rejected(healthy: dict[str, Any]) -> None:
    with pytest.raises(PatchError, match="not an array"):
        append_records(healthy, "partnership.stage", [{"x": 1}])


def test_append_below_a_value_is_rejected(healthy: dict[str, Any]) -> None:
    with pytest.raises(PatchError, match=re.escape("'partnership.stage.x'")):
        append_records(healthy, "partnership.stage.x", [{"x": 1}])


# --- properties ---------------------------------------------------------------------------

# A few keys, so that documents and patches often name the same ones; none is a field of
# the fact model, whose record arrays follow other rules (tested above).
_KEYS = st.sampled_from(["a", "b", "c", "d", "e"])
_SCALARS = (
    st.integers(-5, 5)
    | st.booleans()
    | st.text(max_size=4)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1))
)
_TREES = st.recursive(
    _SCALARS, lambda inner: st.dictionaries(_KEYS, inner, max_size=3), max_leaves=12
)
_DOCUMENTS = st.dictionaries(_KEYS, _TREES, max_size=5)
# Patches may also replace a value with an array.
_PATCH_TREES = st.recursive(
    _SCALARS | st.lists(_SCALARS, max_size=3),
    lambda inner: st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)
_PATCHES = st.dictionaries(_KEYS, _PATCH_TREES, max_size=5)


def _leaves(
    tree: dict[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    out: list[tuple[tuple[str, ...], Any]] = []
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out.extend(_leaves(value, (*prefix, key)))
        else:
            out.append(((*prefix, key), value))
    return out


def _get(tree: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


@given(_DOCUMENTS, _PATCHES)
def test_apply_patch_never_mutates_its_inputs(
    document: dict[str, Any], patch: dict[str, Any]
) -> None:
    document_before, patch_before = copy.deepcopy(document), copy.deepcopy(patch)
    out = apply_patch(document, patch)
    assert document == document_before
    assert patch == patch_before
    # Nor can a later edit of the result reach back into them.
    for path, _ in _leaves(out):
        parent = _get(out, path[:-1])
        if isinstance(parent[path[-1]], list):
            parent[path[-1]].append("changed")
    assert document == document_before
    assert patch == patch_before


@given(_DOCUMENTS)
def test_an_empty_patch_is_a_deep_copy(document: dict[str, Any]) -> None:
    out = apply_patch(document, {})
    assert out == document

    def tables(tree: dict[str, Any]) -> list[int]:
        found = [id(tree)]
        for value in tree.values():
            if isinstance(value, dict):
                found.extend(tables(value))
        return found

    assert not set(tables(out)) & set(tables(document))


@given(_DOCUMENTS, _PATCHES)
def test_apply_patch_is_idempotent(document: dict[str, Any], patch: dict[str, Any]) -> None:
    once = apply_patch(document, patch)
    assert apply_patch(once, patch) == once


@given(_DOCUMENTS, _PATCHES)
def test_the_patch_wins_and_the_rest_survives(
    document: dict[str, Any], patch: dict[str, Any]
) -> None:
    out = apply_patch(document, patch)
    for path, value in _leaves(patch):
        if value == {}:
            # An empty table merges into whatever table is there, or replaces a value.
            assert isinstance(_get(out, path), dict)
        else:
            assert _get(out, path) == value
    for path, value in _leaves(document):
        # A document value survives unless the patch names it or one of its parents
        # replaces a table with something else.
        touched = any(path[: len(p)] == p or p[: len(path)] == path for p, _ in _leaves(patch))
        if not touched:
            assert _get(out, path) == value


_PARTNER_IDS = st.sampled_from(["helix", "nimbus", "acme"])
_PARTNER_CHANGES = st.dictionaries(
    st.sampled_from(["named_contacts", "headcount", "alliance_manager"]),
    st.integers(0, 50) | st.text(max_size=4),
    max_size=3,
)


@given(st.dictionaries(_PARTNER_IDS, _PARTNER_CHANGES, max_size=3))
def test_record_patches_are_idempotent_and_touch_only_named_records(
    healthy_doc: dict[str, Any], changes: dict[str, dict[str, Any]]
) -> None:
    patch = {"partners": changes}
    once = apply_patch(healthy_doc, patch)
    assert apply_patch(once, patch) == once
    for record in once["partners"]:
        wanted = changes.get(record["id"], {})
        base = [p for p in healthy_doc["partners"] if p["id"] == record["id"]]
        expected = {**(base[0] if base else {"id": record["id"]}), **wanted}
        assert record == expected
    assert sorted(_ids(once["partners"])) == sorted({"helix", "nimbus", *changes})
