"""The deliverer: in each serving process (or, by default, its delivery process: `sidecar`),
one loop per stream this process holds the lease of, reading the tenant's log after the
stream's cursor and sending it in batches.

At least once, in `seq` order: a batch is read from the audit store (the only buffer: nothing
waits in memory), sent, and only once the receiver accepted it does the cursor move, in the
database. A process killed mid-batch leaves the cursor before that batch; whoever holds the
stream next sends it again. Retryable failures back off exponentially with jitter (1 s up to
5 min) for `stream_retry_hours`, then the stream is `failing` with the count it did not deliver;
a receiver's refusal (a 4xx but 408/429) makes it `failing` at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from asgi_audit import ActionType, AuditStore
from asgi_audit.store.port import LogHead
from asgi_audit.streams import DeliveryError, Destination, StreamEvent
from asgi_audit.streams.formats import StreamFormat
from callmanager.db import utcnow
from callmanager.settings import Settings
from callmanager.streams.destinations import build_destination
from callmanager.streams.lease import Held, Leases
from callmanager.streams.pages import Pages
from callmanager.streams.secrets import SecretBox, SecretsUnreadable
from callmanager.streams.wakes import Wake, Wakes

log = logging.getLogger("callmanager.streams")

BATCH = 500
"""Events in one batch at most."""
PAGE = 2000
"""Entries read at once (a few batches): a backfill reads less often, in larger pages."""
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 300.0
STOP_WAIT_S = 3.0
"""How long stopping waits for each loop's round (a send cut short is sent again later)."""
RECHECK_S = 2.0
"""While backing off, how often a stream's row is read for a change that ends the wait."""
ERROR_PAUSE_S = 5.0
"""How long a loop stopped by an unexpected error (a store down) waits before letting go."""
SCAN_S = 1.0
"""How often the deliverer looks for streams to take (new, resumed, or their holder gone)."""


def backoff(attempt: int, draw: Callable[[], float] = random.random) -> float:
    """The wait before retry `attempt` (0 first): 1 s doubling to 5 min, plus up to a quarter
    more at random, so receivers coming back are not hit by every stream at once."""
    base = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2**attempt)
    return float(min(MAX_BACKOFF_S, base * (1 + draw() / 4)))


class Deliverer:
    """Takes streams' leases and runs a loop for each stream held; `start` and `stop` follow
    the service's lifespan."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: AuditStore,
        settings: Settings,
        *,
        pid: int | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.box = SecretBox(settings.resolved_secret_key)
        # The serving process's id (`pid`: a delivery process names the server it serves).
        holder = f"{socket.gethostname()[:40]}:{pid or os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leases = Leases(sessions, holder, settings.stream_lease_s)
        self.poll = settings.stream_poll_s
        self.window = settings.stream_batch_s
        self.pages = Pages(store, PAGE)
        self._heads: dict[uuid.UUID, tuple[float, asyncio.Future[LogHead | None]]] = {}
        """Each tenant's latest head read (when it began, and the read): the streams of one
        tenant, woken by the same write, share it rather than each reading the head."""
        self.wakes = Wakes(full_at=BATCH)
        """The audit writer's observer: its writes wake the streams of their tenants."""
        self._scan_now = asyncio.Event()
        self.retry_window = timedelta(hours=settings.stream_retry_hours)
        lease = settings.stream_lease_s
        self.send_bound = min(settings.stream_timeout_s * 2, lease * 0.8)
        """A send that takes longer is given up (and retried): the lease must outlast it."""
        self.renew_below = timedelta(seconds=self.send_bound + lease * 0.1)
        """A lease with less left than this is renewed before a send."""
        self._stopping = asyncio.Event()
        self._loops: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self.on_lag: Callable[[uuid.UUID, float], None] | None = None
        """Told each round how far a held stream is behind its log, in seconds (0 when caught
        up): the host's metrics (`observe/install.py`)."""

    @property
    def observer(self) -> Wakes:
        """What the audit writer tells of its writes (they wake the streams)."""
        return self.wakes

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._scan_now = asyncio.Event()
        self.wakes.bind(asyncio.get_running_loop())
        self._supervisor = asyncio.create_task(self._supervise(), name="log-streams")

    async def stop(self) -> None:
        """Let each loop finish its round, cancel those still sending after `STOP_WAIT_S` (their
        cursor has not moved: the batch goes again), then let go of the leases."""
        self._stopping.set()
        self._scan_now.set()
        self.wakes.wake_all()
        tasks = [t for t in (self._supervisor, *self._loops.values()) if t is not None]
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=STOP_WAIT_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):  # a database gone at shutdown: leases expire
            await asyncio.to_thread(self.leases.release)

    async def _supervise(self) -> None:
        scan = min(SCAN_S, self.settings.stream_lease_s / 3)
        while not self._stopping.is_set():
            try:
                busy = {i for i, loop in self._loops.items() if not loop.done()}
                held = await asyncio.to_thread(self.leases.claim, utcnow(), busy)
            except Exception:
                log.exception("log streams: could not look for streams to deliver")
                held = []
            for stream_id in held:
                running = self._loops.get(stream_id)
                if running is None or running.done():
                    self._loops[stream_id] = asyncio.create_task(
                        self._deliver(stream_id), name=f"log-stream-{stream_id}"
                    )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._scan_now.wait(), scan)
            self._scan_now.clear()

    def look_now(self) -> None:
        """Look for streams to take at once (one was made or resumed here), not at the next
        scan; callable from any thread."""
        loop = self.wakes.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._scan_now.set)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _deliver(self, stream_id: uuid.UUID) -> None:
        """Deliver one stream while this process holds it and it is to be delivered."""
        destination: Destination | None = None
        revision = -1
        attempt = 0
        wake: Wake | None = None
        tenant: uuid.UUID | None = None
        try:
            while not self._stopping.is_set():
                held = await asyncio.to_thread(self.leases.read, stream_id, utcnow())
                if held is None:
                    return
                if held.revision != revision or destination is None:
                    if destination is not None:
                        await destination.aclose()
                        destination = None
                    destination = await self._destination(held)
                    if destination is None:
                        return
                    revision, attempt = held.revision, 0
                if wake is None or tenant != held.tenant_id:
                    if tenant is not None:
                        self.wakes.forget(stream_id, tenant)
                    tenant, wake = held.tenant_id, self.wakes.watch(stream_id, held.tenant_id)
                cleared = time.monotonic()
                wake.clear()  # what is written from now on wakes the next round
                outcome = await self._round(held, destination, cleared)
                if outcome == "lost":
                    return
                if outcome == "more":
                    attempt = 0
                    continue
                if outcome == "idle":
                    attempt = 0
                    await self._await_entries(wake)
                    continue
                if outcome == "stop":
                    return
                await self._back_off(stream_id, revision, backoff(attempt))
                attempt += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "log stream %s: delivery stopped by an error; it will be retaken", stream_id
            )
            await self._sleep(ERROR_PAUSE_S)  # a store that is down is not asked every poll
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.leases.release, [stream_id])
        finally:
            if tenant is not None:
                self.wakes.forget(stream_id, tenant)
            if destination is not None:
                with contextlib.suppress(Exception):
                    await destination.aclose()

    async def _await_entries(self, wake: Wake) -> None:
        """Wait for the next round of a caught-up stream: a write of this process wakes it,
        then it gathers for `window` seconds from that write (which may have come during the
        round just done) unless a full batch arrives first (one wait: the writes meanwhile do
        not wake it each); without a write, it looks anyway every `poll` seconds (another
        process may have written)."""
        if not wake.event.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.event.wait(), self.poll)
            if not wake.event.is_set():
                return
        left = (wake.first_at or time.monotonic()) + self.window - time.monotonic()
        if left > 0 and not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.full.wait(), left)

    async def _back_off(self, stream_id: uuid.UUID, revision: int, seconds: float) -> None:
        """Wait `seconds` before trying again, unless the stream changed meanwhile (a new
        destination, a resume, a pause): then at once."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            await self._sleep(min(left, RECHECK_S))
            held = await asyncio.to_thread(self.leases.read, stream_id, utcnow())
            if held is None or held.revision != revision or held.failing_since is None:
                return

    async def _destination(self, held: Held) -> Destination | None:
        try:
            secrets = self.box.open(held.id, held.secrets)
            return build_destination(
                held.kind,
                held.destination,
                secrets,
                held.format,
                allow_private=self.settings.streams_allow_private,
                timeout=self.settings.stream_timeout_s,
            )
        except (SecretsUnreadable, ValueError, KeyError) as exc:
            await asyncio.to_thread(
                self.leases.failed, held.id, utcnow(), status=None, excerpt=str(exc), give_up=True
            )
            return None

    async def _head(self, tenant: uuid.UUID, since: float) -> LogHead | None:
        """The tenant's head as read at `since` or later: a read another stream of the tenant
        began since then is shared (it sees every write that woke this round, as those were
        committed before the wake was cleared at `since`). So is a read still under way that
        began a moment before `since` if no write was told of since it began: a write told of
        after `since` wakes this stream's next round, and one told of between the two would be
        in neither, so then the head is read again. Streams woken together begin their rounds
        one after another; this way they read one head, and so share one page."""
        found = self._heads.get(tenant)
        if found is not None:
            began, read = found
            recent = not read.done() and self.wakes.told_at(tenant) < began
            usable = not (read.done() and (read.cancelled() or read.exception() is not None))
            if (began >= since or recent) and usable:
                return await asyncio.shield(read)
        began = time.monotonic()
        read = asyncio.ensure_future(asyncio.to_thread(self.store.log_head, tenant))
        read.add_done_callback(_retrieved)
        self._heads[tenant] = (began, read)
        return await asyncio.shield(read)

    async def _round(self, held: Held, destination: Destination, since: float) -> str:
        """Read what follows the cursor and send it: `more` (a full page went, more may
        wait), `idle` (caught up), `retry` (a retryable failure), `stop` (failing now),
        `lost` (the lease is someone else's). A page is sent batch by batch, each batch's
        cursor moved once the receiver took it and before the next batch goes, so at most one
        batch is ever sent and not acknowledged; while a page is sent the next page is read, so
        a backfill reads and sends at once."""
        tenant = held.tenant_id
        head = await self._head(tenant, since)
        now = utcnow()
        short = held.lease_expires_at - now < self.renew_below
        lost = short and not await asyncio.to_thread(self.leases.renew, held.id, now)
        if lost or head is None or head.seq <= held.position:
            if not lost:
                self._lag(held.id, 0.0)
            return "lost" if lost else "idle"
        actions = ActionType(held.action_type).actions
        # A native event is the entry's JSON as the database writes it from the stored row.
        native = held.format == StreamFormat.NATIVE
        read = self.pages.read(tenant, held.position, head.seq, actions, native)
        page = await asyncio.shield(read)
        if page.full:  # read the next page while this one is sent
            self.pages.read(tenant, page.last, head.seq, actions, native)
        if page.events:
            self._lag(held.id, _age(page.events[0], now))
        for at in range(0, max(1, len(page.events)), BATCH):
            batch = page.events[at : at + BATCH]
            cursor = page.last if at + BATCH >= len(page.events) else _seq(batch[-1])
            error = await self._send(held, destination, batch) if batch else None
            if error is not None:
                return await self._failed(held, error, head.seq)
            advance = self.leases.advance
            if not await asyncio.to_thread(advance, held.id, cursor, utcnow(), bool(batch)):
                return "lost"
        return "more" if page.full else "idle"

    async def _send(
        self, held: Held, destination: Destination, batch: Sequence[StreamEvent]
    ) -> Exception | None:
        """Send one batch; None once the receiver took it, else why it was not."""
        try:
            await asyncio.wait_for(destination.send(batch), self.send_bound)
        except (DeliveryError, TimeoutError) as exc:
            return exc
        except Exception as exc:
            log.exception("log stream %s: its destination failed unexpectedly", held.id)
            return DeliveryError(f"internal error: {type(exc).__name__}", retryable=False)
        return None

    def _lag(self, stream_id: uuid.UUID, seconds: float) -> None:
        if self.on_lag is not None:
            self.on_lag(stream_id, seconds)

    async def _failed(self, held: Held, exc: Exception, head: int) -> str:
        now = utcnow()
        if isinstance(exc, DeliveryError):
            status, excerpt, retryable = exc.status, exc.excerpt, exc.retryable
        else:
            status, excerpt, retryable = None, "the receiver did not answer in time", True
        since = held.failing_since or now
        expired = now - since >= self.retry_window
        give_up = not retryable or expired
        undelivered = 0
        if expired and retryable:
            undelivered = await asyncio.to_thread(self._undelivered, held, head)
        log.warning("log stream %s: delivery failed (%s)", held.id, excerpt)
        await asyncio.to_thread(
            self.leases.failed,
            held.id,
            now,
            status=status,
            excerpt=excerpt,
            give_up=give_up,
            failing_since=since,
            undelivered=undelivered,
        )
        return "stop" if give_up else "retry"

    def _undelivered(self, held: Held, head: int) -> int:
        """What the stream has yet to send: every place after its cursor through `head`, or
        with a filter the entries after its cursor that the filter keeps (as the health's
        `lag_entries` counts them)."""
        actions = ActionType(held.action_type).actions
        if actions is None or head <= held.position:
            return max(0, head - held.position)
        return self.store.count_after(held.tenant_id, held.position, actions)


def _retrieved(read: asyncio.Future[Any]) -> None:
    """Marks a failed read's or move's error as seen (whoever awaits it gets it too)."""
    if not read.cancelled():
        read.exception()


def _age(event: StreamEvent, now: datetime) -> float:
    """How long ago `event`'s entry occurred, in seconds."""
    occurred = datetime.fromisoformat(str(event.head["occurred_at"]).replace("Z", "+00:00"))
    return max(0.0, (now - occurred).total_seconds())


def _seq(event: StreamEvent) -> int:
    if event.seq is None:
        raise ValueError("an entry read from the log has a seq")
    return event.seq
