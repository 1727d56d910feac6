"""Streams of one tenant at the same place share the page read there, but never one read
through an older head than the stream saw: it would end the round short of what the stream knows
is written, and the rest would wait for the next write and a whole window more."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from asgi_audit import MemoryAuditStore
from asgi_audit.testing import make_event
from callmanager.streams.pages import Page, Pages

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
TENANT = uuid.UUID("00000000-0000-4000-8000-000000000015")


def _pages(entries: int) -> Pages:
    store = MemoryAuditStore()
    store.write(
        [make_event(TENANT, occurred_at=NOW + timedelta(seconds=n)) for n in range(entries)], []
    )
    return Pages(store, size=100)


def _seqs(page: Page) -> list[int | None]:
    return [event.seq for event in page.events]


def test_a_stream_that_saw_a_newer_head_reads_through_it_not_an_older_shared_page() -> None:
    async def read() -> tuple[Page, Page]:
        pages = _pages(5)
        older = await pages.read(TENANT, -1, 2, None, True)
        newer = await pages.read(TENANT, -1, 4, None, True)
        return older, newer

    older, newer = asyncio.run(read())
    assert _seqs(older) == [0, 1, 2]
    assert _seqs(newer) == [0, 1, 2, 3, 4]
    assert newer.last == 4


def test_a_page_read_through_a_newer_head_is_shared_with_a_stream_that_saw_an_older_one() -> None:
    async def read() -> tuple[Page, Page]:
        pages = _pages(5)
        newer = pages.read(TENANT, -1, 4, None, True)
        older = pages.read(TENANT, -1, 2, None, True)
        assert older is newer  # one read for both
        return await newer, await older

    newer, older = asyncio.run(read())
    assert _seqs(older) == _seqs(newer) == [0, 1, 2, 3, 4]


class _CountingStore(MemoryAuditStore):
    """Remembers where each read of a log began and how many entries it returned."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[int, int]] = []
        self.native = False
        """Inside `native_after`, which reads through `entries_after`: counted once."""

    def native_after(self, *args: Any, **kwargs: Any) -> list[tuple[int, str]]:
        self.native = True
        try:
            rows = super().native_after(*args, **kwargs)
        finally:
            self.native = False
        self.reads.append((args[1], len(rows)))
        return rows

    def entries_after(self, *args: Any, **kwargs: Any) -> list[Any]:
        found = super().entries_after(*args, **kwargs)
        if not self.native:
            self.reads.append((args[1], len(found)))
        return found


def _counting(entries: int, size: int = 100) -> tuple[Pages, _CountingStore]:
    store = _CountingStore()
    _add(store, 0, entries)
    return Pages(store, size=size), store


def _add(store: MemoryAuditStore, first: int, count: int) -> None:
    at = [NOW + timedelta(seconds=n) for n in range(first, first + count)]
    store.write([make_event(TENANT, occurred_at=when) for when in at], [])


@pytest.mark.parametrize("native", [True, False])
def test_a_stream_a_little_behind_another_reads_only_what_follows_the_page_they_share(
    native: bool,
) -> None:
    """Streams of one tenant drift apart by a few entries (each was created at the head of its
    day); the later one takes the entries after its cursor from the page the other read, and
    reads only the entries past that page's head."""

    async def read() -> tuple[Page, Page, list[tuple[int, int]]]:
        pages, store = _counting(5)
        ahead = await pages.read(TENANT, -1, 4, None, native)
        _add(store, 5, 3)
        behind = await pages.read(TENANT, 1, 7, None, native)
        return ahead, behind, store.reads

    ahead, behind, reads = asyncio.run(read())
    assert _seqs(ahead) == [0, 1, 2, 3, 4]
    assert _seqs(behind) == [2, 3, 4, 5, 6, 7]
    assert (behind.after, behind.through, behind.full, behind.last) == (1, 7, False, 7)
    assert reads == [(-1, 5), (4, 3)]


def test_a_stream_inside_a_full_page_takes_the_rest_of_it_without_reading() -> None:
    async def read() -> tuple[Page, Page, list[tuple[int, int]]]:
        pages, store = _counting(8, size=4)
        first = await pages.read(TENANT, -1, 7, None, True)
        inside = await pages.read(TENANT, 1, 7, None, True)
        return first, inside, store.reads

    first, inside, reads = asyncio.run(read())
    assert _seqs(first) == [0, 1, 2, 3]
    assert first.full
    assert _seqs(inside) == [2, 3]
    assert inside.full  # more may follow: the stream reads on from 3 at once
    assert inside.last == 3
    assert reads == [(-1, 4)]


def test_a_shared_page_and_what_follows_it_make_no_more_than_a_page() -> None:
    async def read() -> tuple[Page, list[tuple[int, int]]]:
        pages, store = _counting(3, size=4)
        await pages.read(TENANT, -1, 2, None, True)
        _add(store, 3, 5)
        behind = await pages.read(TENANT, 0, 7, None, True)
        return behind, store.reads

    behind, reads = asyncio.run(read())
    assert _seqs(behind) == [1, 2, 3, 4]
    assert behind.full
    assert behind.last == 4
    assert reads == [(-1, 3), (2, 2)]


def test_a_stream_past_a_full_page_reads_for_itself() -> None:
    async def read() -> tuple[Page, list[tuple[int, int]]]:
        pages, store = _counting(8, size=4)
        await pages.read(TENANT, -1, 7, None, True)
        past = await pages.read(TENANT, 3, 7, None, True)
        return past, store.reads

    past, reads = asyncio.run(read())
    assert _seqs(past) == [4, 5, 6, 7]
    assert reads == [(-1, 4), (3, 4)]


def test_a_stream_at_the_same_place_with_a_newer_head_reads_only_past_the_older_page() -> None:
    async def read() -> tuple[Page, list[tuple[int, int]]]:
        pages, store = _counting(3)
        await pages.read(TENANT, -1, 2, None, True)
        _add(store, 3, 2)
        newer = await pages.read(TENANT, -1, 4, None, True)
        return newer, store.reads

    newer, reads = asyncio.run(read())
    assert _seqs(newer) == [0, 1, 2, 3, 4]
    assert newer.last == 4
    assert reads == [(-1, 3), (2, 2)]
