"""The SQL store on SQLite and PostgreSQL: round trips, idempotence, outcomes, every filter."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import text

from asgi_audit import (
    Action,
    Actor,
    ActorType,
    AuditEvent,
    AuditLog,
    AuditWriter,
    Body,
    Outcome,
    Resource,
    SqlAuditStore,
    canonical_bytes,
    parse_query,
)
from asgi_audit.store.port import Criteria, StoredCheckpoint
from asgi_audit.store.sql import TEXT_SEARCH_WORK_MEM, create_partition
from asgi_audit.testing import make_event

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)
"""When this module's entries are made; searches without dates look at its day (`TODAY`)."""
TODAY = NOW.date()


def test_an_entry_reads_back_with_the_same_canonical_bytes(store: SqlAuditStore) -> None:
    request = Body(
        "application/json; charset=utf-8",
        120,
        is_json=True,
        json={"name": "Grüße 👋", "n": [1, 2.5, None, True], "deep": {"z": {"a": "x"}}},
    )
    response = Body("application/json", 60, is_json=True, json={"id": "i"}, sensitive=True)
    event = make_event(occurred_at=NOW, request=request, response=response)
    store.write([event], [])
    stored = store.get(event.tenant_id, event.id)
    assert stored is not None
    assert canonical_bytes(stored) == canonical_bytes(event.appended(0))


def test_writing_an_entry_twice_stores_it_once(store: SqlAuditStore) -> None:
    event = make_event(occurred_at=NOW)
    store.write([event], [])
    store.write([event, event], [])
    log = AuditLog(store, cursor_key=b"k")
    found = log.search(parse_query(event.tenant_id, action_type="all", today=TODAY))
    assert [e.id for e in found.items] == [event.id]


def test_an_outcome_is_set_once_on_a_pending_entry(store: SqlAuditStore) -> None:
    pending = make_event(occurred_at=NOW, status=None)
    store.write([pending], [])
    response = Body("application/json", 2, is_json=True, json={})
    store.write([], [pending.completed(201, 5.0, pending.request, response)])
    store.write([], [pending.completed(500, 9.0, pending.request, None)])
    stored = store.get(pending.tenant_id, pending.id)
    assert stored is not None
    assert (stored.status, stored.outcome, stored.duration_ms) == (201, Outcome.SUCCEEDED, 5.0)
    assert stored.response == response


def test_an_entry_is_found_only_by_its_own_tenant_and_exact_id(store: SqlAuditStore) -> None:
    event = make_event(occurred_at=NOW)
    store.write([event], [])
    assert store.get(uuid.uuid4(), event.id) is None
    forged = uuid.UUID(int=event.id.int ^ 1)
    assert store.get(event.tenant_id, forged) is None
    assert store.get(event.tenant_id, uuid.uuid4()) is None


def test_every_filter_narrows_the_search(store: SqlAuditStore) -> None:
    tenant = uuid.uuid4()
    user = str(uuid.uuid4())
    alice = Actor(ActorType.USER, user, "alice@contoso.example", "Alice")
    bob = Actor(ActorType.USER, str(uuid.uuid4()), "bob@contoso.example", "Bob")
    system = Actor(ActorType.SYSTEM, None, None, "holiday-migration")
    minutes = iter(range(100))

    def entry(summary: str, **options: Any) -> AuditEvent:
        options.setdefault("actor", bob)
        at = NOW - timedelta(minutes=next(minutes))
        return make_event(tenant, occurred_at=at, summary=summary, **options)

    weird_path = f"/api/v1/tenants/{tenant}/groups?q=50%_off"
    entries = {
        "create": entry("Created group 'Sales'", actor=alice),
        "edit": entry("Edited group 'Ops'", action=Action.EDIT, status=409),
        "delete": entry("Deleted group g1", action=Action.DELETE, status=204),
        "read": entry("Listed groups", action=Action.READ, status=200),
        "system": entry(
            "Edited call flow 'Main'",
            actor=system,
            status=500,
            resource=Resource("call_flow", "c"),
            path=f"/api/v1/tenants/{tenant}/call-flows/c",
        ),
        "weird": entry("Created group '\"Quoted\" 50%_off'", path=weird_path),
        "pending": entry("Created group 'Pending'", status=None),
        "other tenant": make_event(occurred_at=NOW, actor=alice),
    }
    store.write(list(entries.values()), [])
    log = AuditLog(store, cursor_key=b"k")
    by_id = {e.id: name for name, e in entries.items()}

    def found(**params: str) -> list[str]:
        params.setdefault("action_type", "all")
        query = parse_query(tenant, limit=200, today=TODAY, **params)  # type: ignore[arg-type]
        page = log.search(query)
        return [by_id[e.id] for e in page.items]

    everything = ["create", "edit", "delete", "read", "system", "weird", "pending"]
    assert found() == everything
    assert found(action_type="modifications") == [n for n in everything if n != "read"]
    assert found(action_type="read") == ["read"]
    assert found(action_type="edit") == ["edit"]
    assert found(actor_type="system") == ["system"]
    assert found(actor=user) == ["create"]
    assert found(actor="ALICE@contoso.example") == ["create"]
    assert found(resource_type="call_flow") == ["system"]
    assert found(status="2xx") == ["create", "delete", "read", "weird"]
    assert found(status="201") == ["create", "weird"]
    assert found(status="5xx") == ["system"]
    assert found(q="SALES") == ["create"]
    assert found(q="group") == ["create", "edit", "delete", "read", "weird", "pending"]
    assert found(q="op") == ["edit"]
    assert found(q="50%_") == ["weird"]
    assert found(q='"quoted"') == ["weird"]
    assert found(q="%") == ["weird"]
    assert found(q="nothing like it") == []
    second, third = entries["edit"].occurred_at, entries["delete"].occurred_at
    assert found(start=third.isoformat(), end=NOW.isoformat()) == ["edit", "delete"]
    assert found(start=third.isoformat(), end=second.isoformat()) == ["delete"]


def test_lists_leave_the_bodies_out(store: SqlAuditStore) -> None:
    event = make_event(occurred_at=NOW, response=Body("application/json", 2, is_json=True, json={}))
    store.write([event], [])
    log = AuditLog(store, cursor_key=b"k")
    [listed] = log.search(parse_query(event.tenant_id, today=TODAY)).items
    assert (listed.request, listed.response) == (None, None)
    assert listed.summary == event.summary


async def test_the_writer_records_and_completes_durably_on_a_real_database(
    store: SqlAuditStore,
) -> None:
    writer = AuditWriter(store)
    writer.start()
    pending = [make_event(status=None) for _ in range(20)]
    for event in pending:
        await writer.record(event)
    for event in pending:
        await writer.complete(event.completed(201, 1.0, event.request, None))
    await writer.shutdown()
    for event in pending:
        stored = store.get(event.tenant_id, event.id)
        assert stored is not None
        assert stored.outcome is Outcome.SUCCEEDED


def test_postgresql_keeps_one_partition_per_month_made_on_demand(store: SqlAuditStore) -> None:
    if not store.is_postgres:
        pytest.skip("partitioning is PostgreSQL's")
    old = make_event(occurred_at=datetime(2019, 3, 31, 23, 59, 59, 999999, tzinfo=UTC))
    store.write([old], [])
    with store.engine.connect() as conn:
        partitions = set(
            conn.scalars(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'audit_entries'::regclass"
                )
            )
        )
        located = conn.scalar(
            text("SELECT tableoid::regclass::text FROM audit_entries WHERE id = :id"),
            {"id": old.id},
        )
    now = datetime.now(UTC)
    assert f"audit_entries_p{now.year:04d}{now.month:02d}" in partitions
    assert len(partitions) >= 4
    assert located == "audit_entries_p201903"
    with store.engine.begin() as conn:
        create_partition(conn, 2019, 3)  # exists already: a no-op, not an error


def test_a_postgresql_text_search_gets_more_memory_for_its_own_transaction_only(
    store: SqlAuditStore,
) -> None:
    if not store.is_postgres:
        pytest.skip("work_mem is PostgreSQL's")
    memory_at_select: list[str] = []

    def record(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM audit_entries" in statement:
            memory_at_select.append(cursor.connection.execute("SHOW work_mem").fetchone()[0])

    tenant = uuid.uuid4()
    store.write([make_event(tenant, occurred_at=NOW)], [])
    everything = Criteria(tenant, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    text_search = dataclasses.replace(everything, text="group")
    sqlalchemy_event.listen(store.engine, "before_cursor_execute", record)
    try:
        store.search(everything, None, 10)
        store.search(text_search, None, 10)
        list(store.export(text_search, 10))
        store.search(everything, None, 10)
    finally:
        sqlalchemy_event.remove(store.engine, "before_cursor_execute", record)

    default = memory_at_select[0]
    assert memory_at_select == [default, TEXT_SEARCH_WORK_MEM, TEXT_SEARCH_WORK_MEM, default]
    assert default != TEXT_SEARCH_WORK_MEM


def test_a_checkpoint_of_a_given_size_is_read_from_the_database_once(
    store: SqlAuditStore,
) -> None:
    """Stored checkpoints never change: proofs that name one (`tree_size`) find it remembered,
    while the latest is asked for every time (a newer one may have been signed)."""
    tenant = uuid.uuid4()
    signed = [
        StoredCheckpoint(tenant, size, bytes([size]) * 32, f"note {size}", NOW) for size in (3, 5)
    ]
    store.add_checkpoint(signed[0])
    reads: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "audit_checkpoints" in statement:
            reads.append(statement)

    sqlalchemy_event.listen(store.engine, "before_cursor_execute", record)
    try:
        assert store.checkpoint(tenant, 3) == signed[0]
        assert store.checkpoint(tenant, 3) == signed[0]
        assert len(reads) == 1
        assert store.checkpoint(tenant) == signed[0]
        store.add_checkpoint(signed[1])
        assert store.checkpoint(tenant) == signed[1]
        assert store.checkpoint(tenant, 5) == signed[1]
        assert store.checkpoint(tenant, 4) is None
        assert store.checkpoint(uuid.uuid4(), 3) is None
    finally:
        sqlalchemy_event.remove(store.engine, "before_cursor_execute", record)
    assert len([r for r in reads if "SELECT" in r]) == 5  # not for size 5 after the latest
