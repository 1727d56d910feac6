"""What a log stream reads from the store: final entries after a `seq`, in `seq` order, whole,
optionally of some actions only, and the log's head; the same on SQLite, PostgreSQL and memory."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from asgi_audit import MODIFICATIONS, Action, AuditStore, Body, MemoryAuditStore, SqlAuditStore
from asgi_audit.events import Changes, Resource
from asgi_audit.testing import make_event

NOW = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)
TENANT = uuid.UUID("00000000-0000-4000-8000-000000000015")


@pytest.fixture(params=["sql", "memory"])
def any_store(request: pytest.FixtureRequest, store: SqlAuditStore) -> AuditStore:
    """The SQL store on each database, and the memory store."""
    return store if request.param == "sql" else MemoryAuditStore()


def _fill(store: AuditStore) -> list[Action]:
    """Ten entries of TENANT (every third a read) and one of another tenant, in the log."""
    actions = [Action.READ if n % 3 == 0 else Action.CREATE for n in range(10)]
    body = Body("application/json", 13, is_json=True, json={"name": "Sales"})
    events = [
        make_event(TENANT, occurred_at=NOW + timedelta(seconds=n), action=a, request=body)
        for n, a in enumerate(actions)
    ]
    store.write(events, [])
    store.write([make_event(occurred_at=NOW)], [])
    return actions


def test_entries_after_a_seq_come_in_seq_order_up_to_the_limit(any_store: AuditStore) -> None:
    _fill(any_store)
    found = any_store.entries_after(TENANT, 3, 4)
    assert [e["seq"] for e in found] == [4, 5, 6, 7]
    assert all(e["tenant_id"] == str(TENANT) for e in found)


def test_entries_after_carry_their_bodies_as_the_api_writes_them(any_store: AuditStore) -> None:
    _fill(any_store)
    [entry] = any_store.entries_after(TENANT, 1, 1)
    stored = any_store.get(TENANT, uuid.UUID(str(entry["id"])))
    assert stored is not None
    assert entry == stored.to_dict()
    assert entry["request"]["body"] == {"name": "Sales"}  # type: ignore[call-overload,index]


def _varied(store: AuditStore) -> None:
    """Entries of every shape a body can take: none, JSON (with numbers JSON may spell two
    ways), not JSON; with and without a resource name and an edit's changes."""
    odd = Body("application/json", 40, is_json=True, json={"big": 1e16, "zero": -0.0, "é": [1]})
    text = Body("text/plain", 5, truncated=True, sha256="ab" * 32)
    changes = Changes("captured", ({"field": "name", "before": "A", "after": "B"},))
    events = [
        make_event(TENANT, occurred_at=NOW, request=odd, response=text),
        make_event(TENANT, occurred_at=NOW, action=Action.EDIT, changes=changes),
        make_event(TENANT, occurred_at=NOW, resource=Resource("group", "g1", "Sales")),
        make_event(TENANT, occurred_at=NOW, action=Action.READ, response=odd),
    ]
    store.write(events, [])


@pytest.mark.parametrize("raw", [False, True], ids=["parsed", "raw"])
def test_entries_after_written_out_are_the_bytes_the_api_writes(
    any_store: AuditStore, raw: bool
) -> None:
    """Keys in the API's order, bodies as stored (canonical, keys sorted): a native stream sends
    the API's JSON."""
    _varied(any_store)
    found = any_store.entries_after(TENANT, -1, 10, raw_documents=raw)
    assert len(found) == 4
    for entry in found:
        stored = any_store.get(TENANT, uuid.UUID(str(entry["id"])))
        assert stored is not None
        api = stored.to_dict()
        assert list(entry) == list(api)
        assert orjson.loads(orjson.dumps(entry)) == orjson.loads(orjson.dumps(api))


def test_raw_documents_are_not_parsed(any_store: AuditStore) -> None:
    _varied(any_store)
    [entry] = any_store.entries_after(TENANT, -1, 1, raw_documents=True)
    assert isinstance(entry["request"], orjson.Fragment)
    assert entry["seq"] == 0


def test_entries_after_stop_at_through(any_store: AuditStore) -> None:
    _fill(any_store)
    assert [e["seq"] for e in any_store.entries_after(TENANT, -1, 100, through=2)] == [0, 1, 2]


def test_entries_after_can_keep_only_some_actions(any_store: AuditStore) -> None:
    actions = _fill(any_store)
    mods = any_store.entries_after(TENANT, -1, 100, actions=MODIFICATIONS)
    reads = any_store.entries_after(TENANT, -1, 100, actions=frozenset({Action.READ}))
    assert [e["seq"] for e in mods] == [n for n, a in enumerate(actions) if a is not Action.READ]
    assert [e["seq"] for e in reads] == [0, 3, 6, 9]


def test_pending_entries_are_not_read_until_they_take_their_place(any_store: AuditStore) -> None:
    pending = make_event(TENANT, occurred_at=NOW, status=None)
    any_store.write([pending], [])
    assert any_store.entries_after(TENANT, -1, 10) == []
    assert any_store.log_head(TENANT) is None


def test_the_head_is_the_last_place_and_when_its_entry_occurred(any_store: AuditStore) -> None:
    assert any_store.log_head(TENANT) is None
    _fill(any_store)
    head = any_store.log_head(TENANT)
    assert head is not None
    assert head.seq == 9
    assert head.occurred_at == NOW + timedelta(seconds=9)


def test_entries_after_a_seq_are_counted_with_or_without_a_filter(any_store: AuditStore) -> None:
    _fill(any_store)  # reads at seq 0, 3, 6, 9
    assert any_store.count_after(TENANT, -1) == 10
    assert any_store.count_after(TENANT, 4) == 5
    assert any_store.count_after(TENANT, 4, MODIFICATIONS) == 3
    assert any_store.count_after(TENANT, 4, frozenset({Action.READ})) == 2
    assert any_store.count_after(TENANT, 9) == 0
