"""Entries stored before entries had names and changes (migration a004) keep their leaves: the
new fields are left out of an entry's JSON while null, so old and new entries verify side by
side, and a changed name or change set is named as tampering like any other field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from asgi_audit import SqlAuditStore
from asgi_audit.events import (
    Action,
    Actor,
    ActorType,
    AuditEvent,
    Body,
    Changes,
    Resource,
    canonical_bytes,
)
from asgi_audit.store.tables import c, entries
from asgi_audit.tlog.findings import Problem
from asgi_audit.tlog.verify_export import verify_export
from tests.integration.audit.signed_log import SignedLog, export_lines, without_guards

LEAF_BEFORE_A004 = (
    b'{"action":"edit","actor":{"email":"alice@contoso.example","id":"u-1","name":"Alice",'
    b'"type":"user"},"client_ip":null,"duration_ms":1.5,"id":"01a22930-0000-7000-8000-'
    b'000000000001","method":"PATCH","occurred_at":"2026-11-29T21:22:00.000000Z","outcome":'
    b'"succeeded","path":"/api/v1/tenants/x/groups/g-1","request":{"body":{},"content_type":'
    b'"application/json","size":2,"truncated":false},"resource":{"id":"g-1","type":"group"},'
    b'"response":null,"route":"/api/v1/tenants/{tenant_id}/groups/{group_id}","seq":7,'
    b'"source":"API","status":200,"summary":"Edited group g-1","tenant_id":"00000000-0000-4000-'
    b'8000-00000000000a","user_agent":null}'
)
"""The leaf bytes of this entry as the code before a004 wrote them (computed with it)."""


def test_an_entry_without_name_or_changes_has_the_leaf_it_had_before() -> None:
    pending = AuditEvent(
        id=uuid.UUID("01a22930-0000-7000-8000-000000000001"),
        tenant_id=uuid.UUID("00000000-0000-4000-8000-00000000000a"),
        occurred_at=datetime(2026, 11, 29, 21, 22, tzinfo=UTC),
        actor=Actor(ActorType.USER, "u-1", "alice@contoso.example", "Alice"),
        source="API",
        action=Action.EDIT,
        method="PATCH",
        path="/api/v1/tenants/x/groups/g-1",
        route="/api/v1/tenants/{tenant_id}/groups/{group_id}",
        resource=Resource("group", "g-1"),
        summary="Edited group g-1",
        request=Body("application/json", 2, is_json=True, json={}),
    )
    entry = pending.completed(200, 1.5, pending.request, None)
    assert canonical_bytes(entry, 7) == LEAF_BEFORE_A004


def _named(log: SignedLog, i: int) -> AuditEvent:
    changes = Changes("captured", ({"field": "name", "before": "A", "after": "B"},))
    return log.event(
        i,
        action=Action.EDIT,
        resource=Resource("group", f"g-{i}", f"Group {i}"),
        changes=changes,
    )


def test_old_and_new_entries_verify_side_by_side(store: SqlAuditStore) -> None:
    log = SignedLog(store)
    log.grow([10])  # entries as they were before a004: no name, no changes
    store.write([_named(log, i) for i in range(10, 20)], [])
    log.written = 20
    log.notary.run_once()

    report = log.verify()
    assert report.ok, report.findings
    assert report.size == 20


def test_a_changed_resource_name_is_named_altered(store: SqlAuditStore) -> None:
    log = SignedLog(store)
    store.write([_named(log, i) for i in range(5)], [])
    log.written = 5
    log.notary.run_once()
    with store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 3)
        conn.execute(update(entries).where(c.id == target.id).values(resource_name="Innocent"))

    findings = {(f.problem, f.seq) for f in log.verify().findings}
    assert (Problem.ALTERED, 3) in findings


def test_an_export_of_old_and_new_entries_verifies_offline(
    store: SqlAuditStore, tmp_path: Path
) -> None:
    """A line carries an edit's changes, as its leaf does; an old entry's line has none."""
    log = SignedLog(store)
    log.grow([4])
    store.write([_named(log, i) for i in range(4, 8)], [])
    log.written = 8
    log.notary.run_once()
    exported = tmp_path / "audit-log.jsonl"
    exported.write_bytes(b"\n".join(export_lines(log)) + b"\n")

    report = verify_export(exported, log.signer.verifier)
    assert report.ok, report.findings
