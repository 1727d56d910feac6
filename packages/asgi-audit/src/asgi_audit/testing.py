"""Helpers for tests of the audit engine and of apps that use it: an in-memory store behind a
running writer, and a factory of plausible entries."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from asgi_audit.events import (
    Action,
    Actor,
    ActorType,
    AuditEvent,
    Body,
    Changes,
    Outcome,
    Resource,
    new_entry_id,
)
from asgi_audit.store.memory import MemoryAuditStore
from asgi_audit.writer import AuditWriter


class AuditRecorder:
    """A `MemoryAuditStore` behind a started `AuditWriter`; a context manager, sync or async.

    `entries()` flushes the writer first, so what the app handed over is there to assert on.
    """

    def __init__(self, *, flush_interval: float = 0.01, **writer_options: Any) -> None:
        self.store = MemoryAuditStore()
        self.writer = AuditWriter(self.store, flush_interval=flush_interval, **writer_options)

    def __enter__(self) -> Self:
        self.writer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.writer.shutdown_blocking()

    async def __aenter__(self) -> Self:
        self.writer.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.writer.shutdown()

    def entries(self, tenant_id: uuid.UUID | None = None) -> list[AuditEvent]:
        """Every entry so far (of one tenant if given), oldest first, after a flush."""
        if self.writer.running:
            self.writer.flush_blocking(timeout=5)
        return [e for e in self.store.all() if tenant_id is None or e.tenant_id == tenant_id]

    async def aentries(self, tenant_id: uuid.UUID | None = None) -> list[AuditEvent]:
        if self.writer.running:
            async with asyncio.timeout(5):
                await self.writer.flush()
        return [e for e in self.store.all() if tenant_id is None or e.tenant_id == tenant_id]


def make_event(
    tenant_id: uuid.UUID | None = None,
    *,
    occurred_at: datetime | None = None,
    action: Action = Action.CREATE,
    actor: Actor | None = None,
    status: int | None = 201,
    path: str | None = None,
    summary: str = "Created group 'Example New Group'",
    resource: Resource | None = None,
    request: Body | None = None,
    response: Body | None = None,
    changes: Changes | None = None,
) -> AuditEvent:
    """A finished entry with sensible defaults; `status=None` makes a pending one."""
    tenant_id = tenant_id or uuid.uuid4()
    occurred_at = occurred_at or datetime.now(UTC)
    method = {Action.CREATE: "POST", Action.EDIT: "PATCH", Action.DELETE: "DELETE"}.get(
        action, "GET"
    )
    return AuditEvent(
        id=new_entry_id(occurred_at),
        tenant_id=tenant_id,
        occurred_at=occurred_at,
        actor=actor or Actor(ActorType.USER, str(uuid.uuid4()), "alice@contoso.example", "Alice"),
        source="API",
        action=action,
        method=method,
        path=path or f"/api/v1/tenants/{tenant_id}/groups",
        route="/api/v1/tenants/{tenant_id}/groups",
        resource=resource or Resource("group", None),
        summary=summary,
        outcome=Outcome.UNKNOWN if status is None else Outcome.of_status(status),
        status=status,
        duration_ms=None if status is None else 1.5,
        request=request or Body("application/json", 2, is_json=True, json={}),
        response=response,
        client_ip="127.0.0.1",
        user_agent="pytest",
        changes=changes,
    )
