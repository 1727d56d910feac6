"""A stream's health as the API shows it: its status, cursor, last success and error, and its
lag behind the tenant's log, in entries and in seconds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asgi_audit import ActionType, AuditStore
from callmanager.db import utcnow
from callmanager.streams.models import LogStream


def health(stream: LogStream, store: AuditStore, now: datetime | None = None) -> dict[str, Any]:
    """`lag_entries`: the entries after the cursor that the stream's filter delivers (all the
    places after it when it has no filter); `lag_seconds`: how long the oldest entry it has
    yet to deliver has waited, 0 when there is none."""
    now = now or utcnow()
    head = store.log_head(stream.tenant_id)
    position = stream.position
    actions = ActionType(stream.action_type).actions
    lag_entries = max(0, head.seq - position) if head is not None else 0
    if lag_entries and actions is not None:
        lag_entries = store.count_after(stream.tenant_id, position, actions)
    lag_seconds = 0.0
    if lag_entries:
        waiting = store.entries_after(stream.tenant_id, position, 1, actions=actions)
        if waiting:
            occurred = datetime.fromisoformat(str(waiting[0]["occurred_at"]))
            lag_seconds = round(max(0.0, (now - occurred).total_seconds()), 3)
    last_error = None
    if stream.last_error_at is not None:
        last_error = {
            "at": stream.last_error_at,
            "status": stream.last_error_status,
            "excerpt": stream.last_error_excerpt or "",
        }
    return {
        "status": stream.status,
        "cursor_seq": stream.cursor_seq,
        "last_success_at": stream.last_success_at,
        "last_error": last_error,
        "lag_entries": lag_entries,
        "lag_seconds": lag_seconds,
        "undelivered": stream.undelivered,
    }
