"""Wake-ups for the deliverer: the audit writer says which tenants' logs grew (it is a
`WriterObserver`), and each stream of those tenants is woken, with a count of what arrived, so
an idle server does no work and a busy one sends a batch of 500 or of a window's worth.

The writer calls from its own thread; the count and the event are only touched on the loop.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping, Sequence

from asgi_audit import AuditEvent


class Wake:
    """One stream's signal: entries placed in its tenant's log since `clear` (`event`), and
    whether a whole batch of them has (`full`, once `full_at` arrived): a stream gathering for
    its window waits for that alone, not woken by every write."""

    def __init__(self, full_at: int) -> None:
        self.event = asyncio.Event()
        self.full = asyncio.Event()
        self.full_at = full_at
        self.count = 0
        self.first_at: float | None = None
        """When (`time.monotonic`) the first entry since `clear` was placed: a batch's window
        runs from there, so entries written during a round do not wait a whole window more."""

    def clear(self) -> None:
        self.count = 0
        self.first_at = None
        self.event.clear()
        self.full.clear()

    def add(self, count: int) -> None:
        if self.first_at is None:
            self.first_at = time.monotonic()
        self.count += count
        self.event.set()
        if self.count >= self.full_at:
            self.full.set()

    def set_all(self) -> None:
        """End any wait (stopping)."""
        self.event.set()
        self.full.set()


class Wakes:
    """The streams watching each tenant's log, woken when the writer says it grew."""

    def __init__(self, full_at: int) -> None:
        self.full_at = full_at
        """How many entries make a wake `full` (a batch)."""
        self.loop: asyncio.AbstractEventLoop | None = None
        self._watching: dict[uuid.UUID, dict[uuid.UUID, Wake]] = {}
        self._told_at: dict[uuid.UUID, float] = {}
        """When (`time.monotonic`, on the loop) each watched tenant's streams were last told
        that its log grew."""

    def told_at(self, tenant_id: uuid.UUID) -> float:
        """When this tenant's streams were last told of a write (0 if never)."""
        return self._told_at.get(tenant_id, 0.0)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def watch(self, stream_id: uuid.UUID, tenant_id: uuid.UUID) -> Wake:
        watchers = self._watching.setdefault(tenant_id, {})
        if stream_id not in watchers:
            watchers[stream_id] = Wake(self.full_at)
        return watchers[stream_id]

    def forget(self, stream_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
        watchers = self._watching.get(tenant_id, {})
        watchers.pop(stream_id, None)
        if not watchers:
            self._watching.pop(tenant_id, None)
            self._told_at.pop(tenant_id, None)

    def wake_all(self) -> None:
        """Every stream at once (stopping)."""
        for watchers in self._watching.values():
            for wake in watchers.values():
                wake.set_all()

    # -- `asgi_audit.observer.WriterObserver`, called from the writer's thread ------------------

    def logs_grew(self, tenants: Mapping[uuid.UUID, int]) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        watched = {t: n for t, n in tenants.items() if t in self._watching}
        if watched:
            loop.call_soon_threadsafe(self._grew, watched)

    def batch_taken(self, size: int, queue_depth: int) -> None:
        """Not needed: a stream waits for placed entries only."""

    def batch_written(
        self, inserts: Sequence[AuditEvent], completions: int, seconds: float
    ) -> None:
        """Not needed: `logs_grew` follows it."""

    def durable_waited(self, seconds: float, refused: bool) -> None:
        """Not needed."""

    def _grew(self, tenants: Mapping[uuid.UUID, int]) -> None:
        now = time.monotonic()
        for tenant, count in tenants.items():
            if tenant in self._watching:
                self._told_at[tenant] = now
            for wake in self._watching.get(tenant, {}).values():
                wake.add(count)
