"""Pages of tenants' logs read for the deliverer, shared: streams of one tenant with the same
filter (three destinations of one log, say) read each entry once.

A page is up to `size` entries after a `seq`, through the head seen when it was read; the last
few pages stay a moment, so a stream that comes to the same place a little later finds it. A
stream a few entries behind or ahead of another (each began at the head of its day, and they
stay apart) takes what follows its cursor from the other's page, and reads only the entries
past that page's head.
"""

from __future__ import annotations

import asyncio
import uuid
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from asgi_audit import Action, AuditStore
from asgi_audit.streams import NativeBatch, StreamEvent


@dataclass(frozen=True, slots=True)
class Log:
    """A tenant's log as streams read it: through a filter, as native texts or parsed."""

    tenant_id: uuid.UUID
    actions: frozenset[Action] | None
    native: bool


Key = tuple[Log, int]
"""A read's log and `after`."""


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

    def __init__(self, store: AuditStore, size: int, keep: int = 8) -> None:
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
        short of entries it knows are written, left to wait for the next write). A page that
        began at or before `after` gives what follows `after`, and only what it lacks is read."""
        log = Log(tenant_id, actions, native)
        found = self._reads.get((log, after))
        if found is not None and found[0] >= through:
            shared = found[1]
            if not (shared.done() and shared.exception() is not None):
                return shared
        base = self._covering(log, after)
        page: asyncio.Future[Page]
        if base is not None:
            page = asyncio.ensure_future(self._from(base, log, after, through))
        else:
            page = self._thread(log, after, through, self.size)
        page.add_done_callback(_retrieved)  # a read ahead no one awaited fails quietly
        self._reads[(log, after)] = (through, page)
        self._reads.move_to_end((log, after))
        while len(self._reads) > self.keep:
            self._reads.popitem(last=False)
        return page

    def _covering(self, log: Log, after: int) -> asyncio.Future[Page] | None:
        """The latest page of `log` that began at or before `after` and was read through a head
        past it (it may hold what follows `after`), unless it failed."""
        for (read_log, began), (head, page) in reversed(self._reads.items()):
            failed = page.done() and (page.cancelled() or page.exception() is not None)
            if read_log == log and began <= after < head and not failed:
                return page
        return None

    async def _from(self, base: asyncio.Future[Page], log: Log, after: int, through: int) -> Page:
        """What follows `after` in `base`, then what follows `base` through `through` (read
        now), together at most a page."""
        shared = await asyncio.shield(base)
        events = shared.events[bisect_right(shared.events, after, key=_seq) :]
        if not shared.full:
            if shared.through >= through:
                return Page(after, shared.through, events, full=False)
            rest = await self._thread(log, shared.through, through, self.size - len(events))
            return Page(after, through, _joined(events, rest.events), rest.full)
        if events:  # more may follow the page's last: the stream reads on from there
            return Page(after, shared.through, events, full=True)
        # `after` is past the last entry of a full page: nothing of it is of use
        return await self._thread(log, after, through, self.size)

    def _thread(self, log: Log, after: int, through: int, size: int) -> asyncio.Future[Page]:
        return asyncio.ensure_future(asyncio.to_thread(self._read, log, after, through, size))

    def _read(self, log: Log, after: int, through: int, size: int) -> Page:
        tenant_id, actions = log.tenant_id, log.actions
        if log.native:  # a native stream sends each entry's JSON as the database wrote it
            rows = self.store.native_after(tenant_id, after, size, through=through, actions=actions)
            # Events only for what is asked of them: a page stays while it is sent and shared,
            # and an object per entry held that long reached the collector's oldest generation,
            # whose full passes showed in profiles of a backfill.
            events: Sequence[StreamEvent] = NativeBatch(rows)
        else:
            entries = self.store.entries_after(
                tenant_id, after, size, through=through, actions=actions
            )
            events = [StreamEvent(entry) for entry in entries]
        return Page(after, through, events, full=len(events) == size)


def _seq(event: StreamEvent) -> int:
    return event.seq if event.seq is not None else -1


def _joined(first: Sequence[StreamEvent], then: Sequence[StreamEvent]) -> Sequence[StreamEvent]:
    """Two runs of events as one (native texts stay texts)."""
    if isinstance(first, NativeBatch) and isinstance(then, NativeBatch):
        return NativeBatch(first.rows + then.rows)
    return [*first, *then]


def _retrieved(page: asyncio.Future[Page]) -> None:
    if not page.cancelled():
        page.exception()
