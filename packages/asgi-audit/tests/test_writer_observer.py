"""The writer tells its observer (the host's metrics) of batches, commits and durable waits."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence

import pytest

from asgi_audit import Action, AuditEvent, AuditUnavailable, AuditWriter
from asgi_audit.observer import Observers
from asgi_audit.store.memory import MemoryAuditStore
from asgi_audit.testing import make_event

pytestmark = pytest.mark.anyio


class Seen:
    """A `WriterObserver` that keeps what it was told."""

    def __init__(self) -> None:
        self.taken: list[tuple[int, int]] = []
        self.written: list[tuple[list[Action], int, float]] = []
        self.waits: list[tuple[float, bool]] = []
        self.grown: Counter[uuid.UUID] = Counter()

    def batch_taken(self, size: int, queue_depth: int) -> None:
        self.taken.append((size, queue_depth))

    def batch_written(
        self, inserts: Sequence[AuditEvent], completions: int, seconds: float
    ) -> None:
        self.written.append(([e.action for e in inserts], completions, seconds))

    def durable_waited(self, seconds: float, refused: bool) -> None:
        self.waits.append((seconds, refused))

    def logs_grew(self, tenants: Mapping[uuid.UUID, int]) -> None:
        self.grown.update(tenants)


async def test_the_observer_hears_of_each_commit_with_its_entries_and_time() -> None:
    seen = Seen()
    writer = AuditWriter(MemoryAuditStore(), flush_interval=30, observer=seen)
    writer.start()
    await writer.emit(make_event(action=Action.READ))
    await writer.emit(make_event(action=Action.READ))
    await writer.record(make_event(status=None))
    await writer.shutdown()
    actions = sorted(a.value for written in seen.written for a in written[0])
    assert actions == ["create", "read", "read"]
    assert all(seconds >= 0 for _, _, seconds in seen.written)
    assert sum(size for size, _ in seen.taken) == 3
    [(waited, refused)] = seen.waits
    assert waited >= 0
    assert refused is False


async def test_a_refused_durable_entry_is_reported_as_refused() -> None:
    seen = Seen()
    store = MemoryAuditStore()
    writer = AuditWriter(store, retry_initial=0.01, retry_max=0.02, observer=seen)
    writer.start()
    store.unavailable = True
    with pytest.raises(AuditUnavailable):
        await writer.record(make_event(status=None))
    await writer.shutdown()
    assert [refused for _, refused in seen.waits] == [True]
    assert seen.written == []


async def test_an_idle_writer_reports_an_empty_queue_at_its_maintenance() -> None:
    seen = Seen()
    writer = AuditWriter(
        MemoryAuditStore(), maintenance=lambda: None, maintenance_interval=0.01, observer=seen
    )
    writer.start()
    await writer.flush()
    await asyncio.sleep(0.05)
    await writer.shutdown()
    assert (0, 0) in seen.taken


async def test_the_observer_hears_how_many_entries_of_each_tenant_took_their_place() -> None:
    """A pending entry has no place yet: it counts when its outcome is written."""
    seen = Seen()
    writer = AuditWriter(MemoryAuditStore(), flush_interval=30, observer=seen)
    writer.start()
    a, b = uuid.uuid4(), uuid.uuid4()
    await writer.emit(make_event(a, action=Action.READ))
    await writer.emit(make_event(a, action=Action.READ))
    pending = make_event(b, status=None)
    await writer.record(pending)
    await writer.flush()
    assert seen.grown == {a: 2}
    await writer.complete(pending.completed(201, 1.0, None, None))
    await writer.shutdown()
    assert seen.grown == {a: 2, b: 1}


async def test_several_observers_hear_everything() -> None:
    first, second = Seen(), Seen()
    writer = AuditWriter(MemoryAuditStore(), flush_interval=30, observer=Observers(first, second))
    writer.start()
    await writer.emit(make_event(action=Action.READ))
    await writer.shutdown()
    for seen in (first, second):
        assert sum(seen.grown.values()) == 1
        assert [len(actions) for actions, _, _ in seen.written] == [1]
