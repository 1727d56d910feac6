"""Entries a host writes itself, for what happens outside the calls the middleware sees on a
tenant's path (e.g. someone entering the tenant through another door). They go through the
same sink as every captured call, durably, and take their place in the tenant's log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from asgi_audit.events import Action, Actor, AuditEvent, Body, Resource, new_entry_id
from asgi_audit.writer import AuditSink


async def record_entry(
    sink: AuditSink,
    *,
    tenant_id: uuid.UUID,
    actor: Actor,
    source: str,
    action: Action,
    method: str,
    path: str,
    summary: str,
    status: int,
    resource: Resource | None = None,
    route: str | None = None,
    response: Body | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Build a finished entry from what the host says happened and store it durably
    (raises `AuditUnavailable` if the store does not take it in time). It keeps no client
    address or user agent, and no request body: the host says what may be kept, in
    `summary` and `response`. `occurred_at` defaults to now (a host's own clock, e.g. the
    policy's, may say otherwise)."""
    occurred_at = occurred_at or datetime.now(UTC)
    pending = AuditEvent(
        id=new_entry_id(occurred_at),
        tenant_id=tenant_id,
        occurred_at=occurred_at,
        actor=actor,
        source=source,
        action=action,
        method=method,
        path=path,
        route=route,
        resource=resource or Resource(),
        summary=summary[:500],
    )
    entry = pending.completed(status, 0.0, None, response)
    await sink.record(entry)
    return entry
