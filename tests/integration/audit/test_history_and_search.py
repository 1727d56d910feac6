"""The query side on both databases: the history of one thing in either order, leaving the log's
own views out, and free text that finds people, tasks and partners."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from asgi_audit import (
    Action,
    Actor,
    ActorType,
    AuditEvent,
    AuditLog,
    InvalidCursor,
    Resource,
    SqlAuditStore,
    parse_query,
)
from asgi_audit.store.schema import alembic_config, upgrade
from asgi_audit.testing import make_event
from callmanager.audit_rules import PARTNER

NOW = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)
TODAY = NOW.date()
ALICE = Actor(ActorType.USER, str(uuid.uuid4()), "alice.smith@contoso.example", "Alice Smith")
HOLIDAYS = Actor(ActorType.SYSTEM, "holiday-import", None, "holiday-import")


class Log:
    """One tenant's entries, named, and searches answering with their names."""

    def __init__(self, store: SqlAuditStore) -> None:
        self.store = store
        self.tenant = uuid.uuid4()
        self.log = AuditLog(store, cursor_key=b"k")
        self.names: dict[uuid.UUID, str] = {}
        self._minutes = iter(range(1, 500))

    def add(self, name: str, **options: Any) -> AuditEvent:
        at = NOW - timedelta(minutes=100 - next(self._minutes))
        event = make_event(self.tenant, occurred_at=at, **options)
        self.store.write([event], [])
        self.names[event.id] = name
        return event

    def found(self, **params: Any) -> list[str]:
        params.setdefault("action_type", "all")
        page = self.log.search(parse_query(self.tenant, limit=200, today=TODAY, **params))
        return [self.names[e.id] for e in page.items]


def test_the_history_of_a_thing_is_every_entry_about_it_in_either_order(
    store: SqlAuditStore,
) -> None:
    log = Log(store)
    sales, other = Resource("group", "g-sales"), Resource("group", "g-other")
    log.add("created", resource=sales)
    log.add("other group", resource=other)
    log.add("viewed", resource=sales, action=Action.READ, status=200)
    log.add("same id, other type", resource=Resource("call_flow", "g-sales"))
    log.add("edited", resource=sales, action=Action.EDIT, status=200)
    log.add("deleted", resource=sales, action=Action.DELETE, status=204)

    history = {"resource_type": "group", "resource_id": "g-sales"}
    assert log.found(**history) == ["deleted", "edited", "viewed", "created"]
    assert log.found(**history, order="asc") == ["created", "viewed", "edited", "deleted"]
    assert log.found(resource_id="g-sales", order="asc") == [
        "created",
        "viewed",
        "same id, other type",
        "edited",
        "deleted",
    ]


def test_pages_of_a_history_oldest_first_follow_on_and_their_cursor_keeps_its_order(
    store: SqlAuditStore,
) -> None:
    log = Log(store)
    for n in range(5):
        log.add(f"edit {n}", resource=Resource("group", "g"), action=Action.EDIT, status=200)
    params = {"resource_type": "group", "resource_id": "g", "action_type": "all", "today": TODAY}
    first = log.log.search(parse_query(log.tenant, limit=2, order="asc", **params))
    assert [log.names[e.id] for e in first.items] == ["edit 0", "edit 1"]
    assert first.next_cursor is not None
    second = log.log.search(
        parse_query(log.tenant, limit=2, order="asc", cursor=first.next_cursor, **params)
    )
    assert [log.names[e.id] for e in second.items] == ["edit 2", "edit 3"]
    with pytest.raises(InvalidCursor):
        log.log.search(parse_query(log.tenant, limit=2, cursor=first.next_cursor, **params))


def test_views_of_the_log_itself_can_be_left_out_keeping_entries_of_no_type(
    store: SqlAuditStore,
) -> None:
    log = Log(store)
    log.add("group", resource=Resource("group", None))
    log.add("views", resource=Resource("audit_log", None), action=Action.READ, status=200)
    log.add("unmatched", resource=Resource(None, None), action=Action.READ, status=404)
    assert log.found(exclude_resource_type="audit_log") == ["unmatched", "group"]
    assert log.found() == ["unmatched", "views", "group"]


def test_free_text_finds_a_users_email_and_name_a_system_task_and_partners(
    store: SqlAuditStore,
) -> None:
    log = Log(store)
    log.add("alice", actor=ALICE, summary="Created group 'Sales'")
    log.add("task", actor=HOLIDAYS, summary="Edited call flow 'Main'")
    log.add("partner", actor=Actor(PARTNER), summary="Listed groups", action=Action.READ)
    log.add("anonymous", actor=Actor(ActorType.ANONYMOUS), summary="Listed groups")
    assert log.found(q="smith@contoso") == ["alice"]
    assert log.found(q="Alice Sm") == ["alice"]
    assert log.found(q="holiday") == ["task"]
    assert log.found(q="partner") == ["partner"]
    assert log.found(q="system") == ["task"]
    assert log.found(q="sales") == ["alice"]


def test_a_completed_entry_is_found_by_its_final_summary_not_its_pending_one(
    store: SqlAuditStore,
) -> None:
    """The free-text index takes an entry's text once it is final: its summary may be
    restated when its outcome is stored."""
    log = Log(store)
    pending = log.add("refused", summary="Created group 'Reader Try'", status=None)
    assert log.found(q="reader try") == ["refused"]  # found while pending, by a scan
    refused = pending.completed(403, 1.0, None, None, "Tried to create group 'Reader Try'")
    store.write([], [refused])
    assert log.found(q="tried to create") == ["refused"]
    assert log.found(q="created group") == []


def test_upgrading_makes_free_text_find_the_actors_of_entries_stored_before(
    database_url: str,
) -> None:
    """The migration rebuilds the free-text index over the rows already there."""
    store = SqlAuditStore.from_url(database_url)
    store.prepare()
    try:
        log = Log(store)
        log.add("alice", actor=ALICE, summary="Created group 'Sales'")
        command.downgrade(alembic_config(database_url), "a004_truthful_entries")
        if not store.is_postgres:  # PostgreSQL matches the expression, indexed or not
            assert log.found(q="alice.smith") == []
        upgrade(database_url)
        assert log.found(q="alice.smith") == ["alice"]
        with store.engine.connect() as conn:
            plan = " ".join(str(r[0]) for r in conn.execute(text(_EXPLAIN[store.is_postgres])))
        assert "actor_email" in plan
    finally:
        store.close()


_EXPLAIN = {
    True: "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_audit_entries_search'",
    False: "SELECT sql FROM sqlite_master WHERE name = 'audit_entries_search_final'",
}
