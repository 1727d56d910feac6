"""Pending entries take their places in the log a batch at a time, each once, in order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event

from asgi_audit import AuditEvent, SqlAuditStore, canonical_bytes
from asgi_audit.testing import make_event
from asgi_audit.tlog.merkle import leaf_hash

NOW = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _pending(tenant: uuid.UUID, count: int) -> list[AuditEvent]:
    return [
        make_event(tenant, occurred_at=NOW + timedelta(seconds=n), status=None)
        for n in range(count)
    ]


def _done(e: AuditEvent) -> AuditEvent:
    return e.completed(200, 3.0, e.request, None, summary="Edited group 'Sales'")


def test_outcomes_take_the_next_places_in_their_order_and_a_sealed_entry_keeps_its_own(
    store: SqlAuditStore,
) -> None:
    tenant = uuid.uuid4()
    a, b, c, d = _pending(tenant, 4)
    store.write([a, b, c, d], [])
    assert store.seal(before=b.occurred_at + timedelta(microseconds=1), limit=10) == 2

    # One batch: outcomes of two sealed entries (too late: they stay as sealed) and two others.
    store.write([], [_done(d), _done(b), _done(c), _done(a)])

    stored = {e.id: store.get(tenant, e.id) for e in (a, b, c, d)}
    assert [stored[e.id].seq for e in (a, b, c, d)] == [0, 1, 3, 2]  # type: ignore[union-attr]
    assert [stored[e.id].status for e in (a, b, c, d)] == [None, None, 200, 200]  # type: ignore[union-attr]
    head = store.log_head(tenant)
    assert head is not None
    assert head.seq == 3
    leaves = {leaf.seq: leaf for batch in store.leaves(tenant, 0, 4, 10) for leaf in batch}
    for e in (a, b, c, d):
        entry = stored[e.id]
        assert entry is not None
        assert entry.seq is not None
        assert leaves[entry.seq].hash == leaf_hash(canonical_bytes(entry, entry.seq))


def test_outcomes_of_entries_of_several_tenants_each_start_their_own_log(
    store: SqlAuditStore,
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    pending = [*_pending(first, 3), *_pending(second, 2)]
    store.write(pending, [])
    store.write([], [_done(e) for e in reversed(pending)])
    seqs: dict[uuid.UUID, int | None] = {
        e.id: store.get(e.tenant_id, e.id).seq  # type: ignore[union-attr]
        for e in pending
    }
    # The order of the outcomes in the batch is the order of the places.
    assert [seqs[e.id] for e in reversed(pending) if e.tenant_id == first] == [0, 1, 2]
    assert [seqs[e.id] for e in reversed(pending) if e.tenant_id == second] == [0, 1]


def test_a_batch_of_outcomes_takes_its_places_in_one_statement_on_sqlite(
    store: SqlAuditStore,
) -> None:
    if store.is_postgres:
        pytest.skip("the statements are counted through SQLite's trace hook")
    tenant = uuid.uuid4()
    pending = _pending(tenant, 12)
    store.write(pending, [])
    statements: list[str] = []

    def trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    store.engine.dispose()  # new connections, each traced
    sqlalchemy_event.listen(store.engine, "connect", trace)
    try:
        store.write([], [_done(e) for e in pending])
    finally:
        sqlalchemy_event.remove(store.engine, "connect", trace)
    # The trace names a statement again for each row its triggers run on: count texts.
    placing = {s for s in statements if s.startswith("UPDATE audit_entries SET seq")}
    assert len(placing) == 1
    seqs = [store.get(tenant, e.id).seq for e in pending]  # type: ignore[union-attr]
    assert seqs == list(range(12))
