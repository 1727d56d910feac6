"""A woken stream gathers entries for its window counted from the first write that woke it."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from asgi_audit import MemoryAuditStore
from callmanager.streams.delivery import BATCH, Deliverer
from callmanager.streams.wakes import Wake
from tests.conftest import make_settings


def deliverer(tmp_path: Path, window: float) -> Deliverer:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'unused.db'}", tmp_path, stream_batch_s=window, stream_poll_s=60
    )
    return Deliverer(sessionmaker(), MemoryAuditStore(), settings)


def test_the_first_write_after_a_clear_starts_the_window_and_a_clear_forgets_it() -> None:
    async def wake() -> tuple[float | None, float | None, float | None]:
        w = Wake(full_at=BATCH)
        before = w.first_at
        w.add(1)
        first = w.first_at
        w.add(3)
        assert w.first_at == first
        assert w.count == 4
        w.clear()
        return before, first, w.first_at

    before, first, after = asyncio.run(wake())
    assert before is None
    assert first is not None
    assert after is None


def test_a_stream_woken_during_its_last_round_does_not_wait_a_whole_window_more(
    tmp_path: Path,
) -> None:
    """The write that woke it came a window ago (while it was sending): it rounds at once."""
    streams = deliverer(tmp_path, window=30.0)

    async def gather() -> None:
        w = Wake(full_at=BATCH)
        w.add(1)
        w.first_at = time.monotonic() - 30.0
        await asyncio.wait_for(streams._await_entries(w), 5)

    asyncio.run(gather())


def test_a_stream_woken_just_now_still_gathers_for_its_window(tmp_path: Path) -> None:
    streams = deliverer(tmp_path, window=30.0)

    async def gather() -> bool:
        w = Wake(full_at=BATCH)
        w.add(1)
        try:
            await asyncio.wait_for(streams._await_entries(w), 0.3)
        except TimeoutError:
            return True
        return False

    assert asyncio.run(gather())


def test_a_full_batch_ends_the_gathering_at_once(tmp_path: Path) -> None:
    streams = deliverer(tmp_path, window=30.0)

    async def gather() -> None:
        w = streams.wakes.watch(uuid.uuid4(), uuid.uuid4())
        w.add(1)
        waiting = asyncio.ensure_future(streams._await_entries(w))
        await asyncio.sleep(0.05)
        w.add(BATCH - 2)
        await asyncio.sleep(0.05)
        assert not waiting.done()  # one short of a batch: still gathering
        w.add(1)
        await asyncio.wait_for(waiting, 5)

    asyncio.run(gather())


def test_a_wake_is_full_once_a_batch_arrived_until_cleared() -> None:
    async def fill() -> tuple[bool, bool, bool]:
        w = Wake(full_at=3)
        w.add(2)
        short = w.full.is_set()
        w.add(1)
        full = w.full.is_set()
        w.clear()
        return short, full, w.full.is_set()

    assert asyncio.run(fill()) == (False, True, False)
