"""The streams of one tenant woken by the same write share one read of its log's head."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from asgi_audit import MemoryAuditStore
from asgi_audit.testing import make_event
from callmanager.streams.delivery import Deliverer
from tests.conftest import make_settings


class CountingStore(MemoryAuditStore):
    """Counts head reads, each held a moment so that concurrent rounds overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.head_reads = 0
        self._count = threading.Lock()

    def log_head(self, tenant_id: uuid.UUID):  # type: ignore[no-untyped-def]
        with self._count:
            self.head_reads += 1
        time.sleep(0.05)
        return super().log_head(tenant_id)


def deliverer(store: CountingStore, tmp_path: Path) -> Deliverer:
    settings = make_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path)
    return Deliverer(sessionmaker(), store, settings)


def test_three_streams_woken_together_read_the_tenant_head_once(tmp_path: Path) -> None:
    store = CountingStore()
    tenant = uuid.uuid4()
    store.write([make_event(tenant) for _ in range(3)], [])
    streams = deliverer(store, tmp_path)

    async def rounds() -> list[int | None]:
        since = time.monotonic()
        heads = await asyncio.gather(*(streams._head(tenant, since) for _ in range(3)))
        return [h.seq if h else None for h in heads]

    assert asyncio.run(rounds()) == [2, 2, 2]
    assert store.head_reads == 1


def test_a_round_woken_after_a_head_read_began_reads_the_head_again(tmp_path: Path) -> None:
    """A head read begun before this round's wake was cleared may miss what woke it."""
    store = CountingStore()
    tenant = uuid.uuid4()
    store.write([make_event(tenant)], [])
    streams = deliverer(store, tmp_path)

    async def rounds() -> tuple[int | None, int | None]:
        first = await streams._head(tenant, time.monotonic())
        store.write([make_event(tenant)], [])
        second = await streams._head(tenant, time.monotonic())
        return (first.seq if first else None, second.seq if second else None)

    assert asyncio.run(rounds()) == (0, 1)
    assert store.head_reads == 2


def test_a_round_begun_while_the_head_is_read_shares_that_read_unless_a_write_was_told_since(
    tmp_path: Path,
) -> None:
    """Streams woken together begin their rounds one after another: the later ones share the
    read the first began, as long as no write was told of since (it may not be in that read)."""
    store = CountingStore()
    tenant = uuid.uuid4()
    store.write([make_event(tenant)], [])
    streams = deliverer(store, tmp_path)

    async def rounds(told: bool) -> None:
        streams.wakes.bind(asyncio.get_running_loop())
        streams.wakes.watch(uuid.uuid4(), tenant)
        first = asyncio.ensure_future(streams._head(tenant, time.monotonic()))
        await asyncio.sleep(0.01)  # the first read is under way (held 50 ms)
        if told:
            streams.wakes.logs_grew({tenant: 1})
            await asyncio.sleep(0)  # the loop takes the writer's word
        await streams._head(tenant, time.monotonic())
        await first

    asyncio.run(rounds(told=False))
    assert store.head_reads == 1
    asyncio.run(rounds(told=True))
    assert store.head_reads == 3
