"""Isolation: nothing of tenant A is reachable through tenant B's searches, cursors or ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from asgi_audit import AuditLog, AuditQuery, InvalidCursor, SqlAuditStore, parse_query
from asgi_audit.testing import make_event

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
"""When the entries are made; the searches look at its day (by default they would look at today)."""


def test_one_tenant_sees_nothing_of_another(store: SqlAuditStore) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    a_entries = [make_event(a, occurred_at=NOW - timedelta(seconds=n)) for n in range(5)]
    b_entries = [make_event(b, occurred_at=NOW - timedelta(seconds=n)) for n in range(5)]
    store.write(a_entries + b_entries, [])
    log = AuditLog(store, cursor_key=b"isolation")

    def query(tenant: uuid.UUID, **params: Any) -> AuditQuery:
        return parse_query(tenant, today=NOW.date(), **params)

    seen_by_b = log.search(query(b, action_type="all", limit=200)).items
    assert {e.tenant_id for e in seen_by_b} == {b}
    for entry in a_entries:
        assert log.get(b, entry.id) is None
        assert log.get(a, entry.id) is not None

    a_cursor = log.search(query(a, limit=2)).next_cursor
    assert a_cursor is not None
    with pytest.raises(InvalidCursor):
        log.search(query(b, limit=2, cursor=a_cursor))

    same_text = log.search(query(b, action_type="all", q=str(a)[:8])).items
    assert same_text == []
