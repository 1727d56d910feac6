"""Pages of tenants' logs read for the deliverer, shared: streams of one tenant at the same
place with the same filter (three destinations of one log, say) read it once.

A page is up to `size` entries after a `seq`, through the head seen when it was read; the last
few pages stay a moment, so a stream that comes to the same place a little later finds it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from asgi_audit import Action, AuditStore
from asgi_audit.streams import NativeBatch, StreamEvent

Key = tuple[uuid.UUID, int, frozenset[Action] | None, bool]
"""A read's tenant, `after`, filter and whether it is of native JSON texts."""


@dataclass(frozen=True, slots=True)
class Page:
    """The entries after `after` through `through` (those the filter keeps), at most `size`:
    `full` means more may follow within `through`."""

    after: int
    through: int
    events: Sequence[StreamEvent]
    full: bool

    @property
    def last(self) -> int:
        """The cursor once the whole page is delivered: a short page read everything up to
        `through` (what the filter left out included)."""
        if self.full and self.events[-1].seq is not None:
            return self.events[-1].seq
        return self.through


class Pages:
    """Reads pages off the event loop, sharing each with every stream that asks for it."""

    def __init__(self, store: AuditStore, size: int, keep: int = 4) -> None:
        self.store = store
        self.size = size
        self.keep = keep
        self._reads: OrderedDict[Key, tuple[int, asyncio.Future[Page]]] = OrderedDict()
        """Each read's key, and the head it reads through."""

    def read(
        self,
        tenant_id: uuid.UUID,
        after: int,
        through: int,
        actions: frozenset[Action] | None,
        native: bool,
    ) -> asyncio.Future[Page]:
        """The page after `after` through `through` at least (read now, or being read, or just
        read for another: not one read through an older head, which would end the asker's round
        short of entries it knows are written, left to wait for the next write)."""
        key = (tenant_id, after, actions, native)
        found = self._reads.get(key)
        if found is not None and found[0] >= through:
            shared = found[1]
            if not (shared.done() and shared.exception() is not None):
                return shared
        page = asyncio.ensure_future(
            asyncio.to_thread(self._read, tenant_id, after, through, actions, native)
        )
        page.add_done_callback(_retrieved)  # a read ahead no one awaited fails quietly
        self._reads[key] = (through, page)
        self._reads.move_to_end(key)
        while len(self._reads) > self.keep:
            self._reads.popitem(last=False)
        return page

    def _read(
        self,
        tenant_id: uuid.UUID,
        after: int,
        through: int,
        actions: frozenset[Action] | None,
        native: bool,
    ) -> Page:
        if native:  # a native stream sends each entry's JSON as the database wrote it
            rows = self.store.native_after(
                tenant_id, after, self.size, through=through, actions=actions
            )
            # Events only for what is asked of them: a page stays while it is sent and shared,
            # and an object per entry held that long reached the collector's oldest generation,
            # whose full passes showed in profiles of a backfill.
            events: Sequence[StreamEvent] = NativeBatch(rows)
        else:
            entries = self.store.entries_after(
                tenant_id, after, self.size, through=through, actions=actions
            )
            events = [StreamEvent(entry) for entry in entries]
        return Page(after, through, events, full=len(events) == self.size)


def _retrieved(page: asyncio.Future[Page]) -> None:
    if not page.cancelled():
        page.exception()
