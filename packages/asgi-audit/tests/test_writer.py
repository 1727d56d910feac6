"""The writer: batches within the flush interval, drains on shutdown, applies backpressure,
shares commits between concurrent modifications, and never drops an entry."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence

import pytest

from asgi_audit import AuditEvent, AuditUnavailable, AuditWriter, WriterClosed
from asgi_audit.store.memory import MemoryAuditStore
from asgi_audit.store.port import always
from asgi_audit.testing import make_event

pytestmark = pytest.mark.anyio


class SlowStore(MemoryAuditStore):
    """A store whose every write takes `delay` seconds, recording batch sizes and queue depth."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.batches: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def write(
        self,
        inserts: Sequence[AuditEvent],
        completions: Sequence[AuditEvent],
        settled: Callable[[AuditEvent], bool] = always,
    ) -> None:
        self.entered.set()
        self.gate.wait()
        time.sleep(self.delay)
        super().write(inserts, completions, settled)
        self.batches.append(len(inserts) + len(completions))


async def test_flush_makes_every_queued_entry_visible() -> None:
    store = MemoryAuditStore()
    writer = AuditWriter(store, flush_interval=30)
    writer.start()
    for _ in range(10):
        await writer.emit(make_event())
    assert store.all() == []
    await writer.flush()
    assert len(store.all()) == 10
    await writer.shutdown()


async def test_reads_become_visible_within_the_flush_interval_without_a_flush() -> None:
    store = MemoryAuditStore()
    writer = AuditWriter(store, flush_interval=0.05)
    writer.start()
    await writer.emit(make_event())
    for _ in range(100):  # up to 1 s, the visibility promise
        if store.all():
            break
        await asyncio.sleep(0.01)
    assert len(store.all()) == 1
    await writer.shutdown()


async def test_shutdown_drains_everything_queued() -> None:
    store = MemoryAuditStore()
    writer = AuditWriter(store, flush_interval=30)
    writer.start()
    for _ in range(250):
        await writer.emit(make_event())
    await writer.shutdown()
    assert len(store.all()) == 250


async def test_a_full_queue_makes_callers_wait_and_drops_nothing() -> None:
    store = SlowStore(delay=0.01)
    writer = AuditWriter(store, flush_interval=0.01, max_queue=5, max_batch=5)
    writer.start()
    depths: list[int] = []

    async def emit_one() -> None:
        await writer.emit(make_event())
        depths.append(len(writer._queue))

    await asyncio.gather(*(emit_one() for _ in range(100)))
    await writer.shutdown()
    assert len(store.all()) == 100
    assert max(depths) <= 5
    assert max(store.batches) <= 5


async def test_concurrent_modifications_share_commits() -> None:
    store = SlowStore(delay=0.02)
    writer = AuditWriter(store, flush_interval=0.2)
    writer.start()
    await asyncio.gather(*(writer.record(make_event(status=None)) for _ in range(60)))
    await writer.shutdown()
    assert len(store.all()) == 60
    assert store.writes < 20


async def test_a_busy_writer_commits_everything_queued_at_once_up_to_ten_thousand() -> None:
    """While a write is under way entries pile up; the next transaction takes them all."""
    store = SlowStore(delay=0)
    store.gate.clear()
    writer = AuditWriter(store, flush_interval=0.01, max_queue=20_000)
    writer.start()
    await writer.emit(make_event())
    assert await asyncio.to_thread(store.entered.wait, 5)  # the first entry waits at the gate
    for _ in range(12_000):
        await writer.emit(make_event())
    store.gate.set()
    await writer.shutdown()
    assert store.batches == [1, 10_000, 2_000]


async def test_a_durable_entry_waits_for_its_commit() -> None:
    store = SlowStore(delay=0.1)
    writer = AuditWriter(store, flush_interval=30)
    writer.start()
    started = time.monotonic()
    event = make_event(status=None)
    await writer.record(event)
    assert time.monotonic() - started >= 0.1
    assert [e.id for e in store.all()] == [event.id]
    await writer.shutdown()


async def test_with_the_store_down_modifications_are_refused_and_reads_are_retried() -> None:
    store = MemoryAuditStore()
    writer = AuditWriter(store, flush_interval=0.01, retry_initial=0.01, retry_max=0.02)
    writer.start()
    store.unavailable = True
    read = make_event()
    await writer.emit(read)
    with pytest.raises(AuditUnavailable):
        await writer.record(make_event(status=None))
    await asyncio.sleep(0.1)
    store.unavailable = False
    async with asyncio.timeout(5):
        await writer.flush()
    assert [e.id for e in store.all()] == [read.id]
    await writer.shutdown()


async def test_a_store_that_hangs_times_the_modification_out() -> None:
    store = SlowStore(delay=0)
    store.gate.clear()
    writer = AuditWriter(store, durable_timeout=0.1)
    writer.start()
    with pytest.raises(AuditUnavailable):
        await writer.record(make_event(status=None))
    store.gate.set()
    await writer.shutdown()


async def test_a_writer_takes_nothing_before_start_or_after_shutdown_and_can_restart() -> None:
    store = MemoryAuditStore()
    writer = AuditWriter(store)
    with pytest.raises(WriterClosed):
        await writer.emit(make_event())
    writer.start()
    await writer.emit(make_event())
    await writer.shutdown()
    with pytest.raises(WriterClosed):
        await writer.record(make_event())
    writer.start()
    await writer.emit(make_event())
    await writer.shutdown()
    assert len(store.all()) == 2


def test_flush_blocking_serves_code_outside_the_event_loop() -> None:
    store = MemoryAuditStore()
    writer = AuditWriter(store, flush_interval=30)
    writer.start()
    asyncio.run(writer.emit(make_event()))
    writer.flush_blocking(timeout=5)
    assert len(store.all()) == 1
    writer.shutdown_blocking()


def test_starting_twice_is_a_mistake() -> None:
    writer = AuditWriter(MemoryAuditStore())
    writer.start()
    with pytest.raises(RuntimeError):
        writer.start()
    writer.shutdown_blocking()
