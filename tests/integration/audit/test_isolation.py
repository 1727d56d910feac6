"""Isolation: nothing of tenant A is reachable through tenant B's searches, cursors or ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from asgi_audit import AuditLog, InvalidCursor, SqlAuditStore, parse_query
from asgi_audit.testing import make_event


def test_one_tenant_sees_nothing_of_another(store: SqlAuditStore) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    a_entries = [make_event(a, occurred_at=now - timedelta(seconds=n)) for n in range(5)]
    b_entries = [make_event(b, occurred_at=now - timedelta(seconds=n)) for n in range(5)]
    store.write(a_entries + b_entries, [])
    log = AuditLog(store, cursor_key=b"isolation")

    seen_by_b = log.search(parse_query(b, action_type="all", limit=200)).items
    assert {e.tenant_id for e in seen_by_b} == {b}
    for entry in a_entries:
        assert log.get(b, entry.id) is None
        assert log.get(a, entry.id) is not None

    a_cursor = log.search(parse_query(a, limit=2)).next_cursor
    assert a_cursor is not None
    with pytest.raises(InvalidCursor):
        log.search(parse_query(b, limit=2, cursor=a_cursor))

    same_text = log.search(parse_query(b, action_type="all", q=str(a)[:8])).items
    assert same_text == []
