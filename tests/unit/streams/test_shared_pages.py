"""Streams of one tenant at the same place share the page read there, but never one read
through an older head than the stream saw: it would end the round short of what the stream knows
is written, and the rest would wait for the next write and a whole window more."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

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
