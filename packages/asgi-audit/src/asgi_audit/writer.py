"""The one place entries are written: a bounded queue drained by a dedicated thread in batches.

Durable entries (modifications and their outcomes) wake the thread at once; whatever else is
queued rides along in the same transaction, so concurrent modifications share commits (group
commit). Reads wait at most `flush_interval`. A busy writer takes everything queued, up to
`max_batch` (10 000), in one transaction: fewer, larger commits keep up with a burst, and an idle
writer is no slower. A full queue makes callers wait for space; an entry is never dropped
silently. Lifecycle: `start()`, `await flush()`, `await shutdown()`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from asgi_audit.errors import AuditUnavailable, WriterClosed
from asgi_audit.events import AuditEvent, Outcome
from asgi_audit.observer import WriterObserver
from asgi_audit.store.port import AuditStore

log = logging.getLogger("asgi_audit")


class AuditSink(Protocol):
    """What the capture middleware hands entries to."""

    async def record(self, event: AuditEvent) -> None:
        """Store a new entry durably; raises `AuditUnavailable` if it could not be."""

    async def complete(self, event: AuditEvent) -> None:
        """Store a recorded entry's outcome durably; raises `AuditUnavailable` if it cannot."""

    async def emit(self, event: AuditEvent) -> None:
        """Queue a finished entry for the next batch; waits only while the queue is full."""

    async def complete_later(self, event: AuditEvent) -> None:
        """Queue an outcome its caller could not wait for; retried until the store takes it."""


class _Kind(Enum):
    INSERT = "insert"
    COMPLETE = "complete"
    BARRIER = "barrier"


@dataclass(slots=True)
class _Op:
    kind: _Kind
    event: AuditEvent | None = None
    done: Future[None] | None = None
    """Set for durable entries and barriers: resolved once committed."""
    queued_at: float = field(default_factory=time.monotonic)

    @property
    def urgent(self) -> bool:
        return self.done is not None


class _State(Enum):
    STOPPED = "stopped"
    RUNNING = "running"
    STOPPING = "stopping"


class AuditWriter:
    """Writes entries to `store` from one thread; usable from any asyncio event loop."""

    def __init__(
        self,
        store: AuditStore,
        *,
        flush_interval: float = 0.2,
        max_queue: int = 10_000,
        max_batch: int = 10_000,
        durable_timeout: float = 10.0,
        retry_initial: float = 0.05,
        retry_max: float = 1.0,
        shutdown_timeout: float = 10.0,
        maintenance: Callable[[], None] | None = None,
        maintenance_interval: float = 1.0,
        observer: WriterObserver | None = None,
    ) -> None:
        if flush_interval <= 0 or max_queue < 1 or max_batch < 1:
            raise ValueError("flush_interval, max_queue and max_batch must be positive")
        self.store = store
        self.flush_interval = flush_interval
        self.max_queue = max_queue
        self.max_batch = max_batch
        self.durable_timeout = durable_timeout
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.shutdown_timeout = shutdown_timeout
        self.maintenance = maintenance
        """Run by the writer thread between batches, at most every `maintenance_interval`
        seconds (e.g. `Notary.run`: sealing appends, so it belongs to the single write path)."""
        self.maintenance_interval = maintenance_interval
        self.observer = observer
        """Told of batches, commits and durable waits (e.g. the host's metrics)."""
        self._next_maintenance = 0.0
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[_Op] = deque()
        self._urgent = 0
        self._space_waiters: list[Future[None]] = []
        self._state = _State.STOPPED
        self._thread: threading.Thread | None = None
        self._stop_deadline = 0.0

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._state is _State.RUNNING

    @property
    def queue_depth(self) -> int:
        """Operations queued and not yet taken by the thread (bounded by `max_queue`)."""
        return len(self._queue)

    def start(self) -> None:
        """Start the writer thread (returns at once; the store is prepared in that thread)."""
        with self._cond:
            if self._state is not _State.STOPPED:
                raise RuntimeError("the audit writer is already running")
            self._state = _State.RUNNING
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()

    async def flush(self) -> None:
        """Wait until every entry queued before this call is committed (bound it with
        `asyncio.timeout` if the store may be down)."""
        await asyncio.wrap_future(self._barrier())

    def flush_blocking(self, timeout: float | None = None) -> None:
        """`flush` for code outside the event loop (tests, CLI)."""
        self._barrier().result(timeout)

    async def shutdown(self) -> None:
        """Stop taking entries, write everything queued, and stop the thread."""
        await asyncio.to_thread(self.shutdown_blocking)

    def shutdown_blocking(self) -> None:
        with self._cond:
            if self._state is not _State.RUNNING:
                return
            self._state = _State.STOPPING
            self._stop_deadline = time.monotonic() + self.shutdown_timeout
            waiters, self._space_waiters = self._space_waiters, []
            self._cond.notify_all()
        for waiter in waiters:
            _resolve(waiter, WriterClosed("the audit writer is shutting down"))
        thread = self._thread
        if thread is not None:
            thread.join(self.shutdown_timeout + 5)
            if thread.is_alive():
                log.error(
                    "audit writer did not stop in time; %d entries unwritten", len(self._queue)
                )

    # -- the sink ----------------------------------------------------------------------------

    async def record(self, event: AuditEvent) -> None:
        await self._durable(_Op(_Kind.INSERT, event, Future()))

    async def complete(self, event: AuditEvent) -> None:
        await self._durable(_Op(_Kind.COMPLETE, event, Future()))

    async def emit(self, event: AuditEvent) -> None:
        await self._put(_Op(_Kind.INSERT, event))

    async def complete_later(self, event: AuditEvent) -> None:
        # A restated outcome replaces one still queued for the same entry.
        with self._cond:
            for op in self._queue:
                if op.kind is _Kind.COMPLETE and op.event is not None and op.event.id == event.id:
                    op.event = event
                    return
        await self._put(_Op(_Kind.COMPLETE, event))

    async def _durable(self, op: _Op) -> None:
        assert op.done is not None
        started = time.monotonic()
        refused = True
        try:
            await self._put(op)
            await asyncio.wait_for(asyncio.wrap_future(op.done), self.durable_timeout)
            refused = False
        except TimeoutError as exc:
            raise AuditUnavailable("the audit store did not confirm the entry in time") from exc
        finally:
            if self.observer is not None:
                self.observer.durable_waited(time.monotonic() - started, refused)

    async def _put(self, op: _Op) -> None:
        while True:
            with self._cond:
                if self._state is not _State.RUNNING:
                    raise WriterClosed("the audit writer is not running")
                if len(self._queue) < self.max_queue:
                    self._enqueue(op)
                    return
                waiter: Future[None] = Future()
                self._space_waiters.append(waiter)
            await asyncio.wrap_future(waiter)

    def _barrier(self) -> Future[None]:
        op = _Op(_Kind.BARRIER, done=Future())
        with self._cond:
            if self._state is _State.STOPPED:
                raise WriterClosed("the audit writer is not running")
            self._enqueue(op)
        assert op.done is not None
        return op.done

    def _enqueue(self, op: _Op) -> None:
        """Append under the lock and wake the thread if this op should not wait."""
        self._queue.append(op)
        if op.urgent:
            self._urgent += 1
        if op.urgent or len(self._queue) == 1 or len(self._queue) >= self.max_batch:
            self._cond.notify()

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self.store.prepare()
        except Exception:
            log.exception("audit store preparation failed; writes will retry it")
        backoff = self.retry_initial
        while True:
            batch = self._take()
            if batch is None:
                break
            self._maintain()
            if not batch:
                if self.observer is not None:
                    self.observer.batch_taken(0, 0)  # woken for maintenance: nothing queued
                continue
            if self._write(batch):
                backoff = self.retry_initial
                continue
            if self._give_up_after_shutdown():
                break
            self._pause(backoff)
            backoff = min(backoff * 2, self.retry_max)
        with self._cond:
            self._state = _State.STOPPED

    def _maintain(self) -> None:
        if self.maintenance is None or time.monotonic() < self._next_maintenance:
            return
        self.maintenance()
        self._next_maintenance = time.monotonic() + self.maintenance_interval

    def _take(self) -> list[_Op] | None:
        """The next batch; blocks until one is due (an empty one when maintenance is due).
        None once stopping and drained."""
        with self._cond:
            while True:
                if not self._queue:
                    if self._state is not _State.RUNNING:
                        return None
                    if self.maintenance is None:
                        self._cond.wait()
                        continue
                    due = self._next_maintenance - time.monotonic()
                    if due <= 0:
                        return []
                    self._cond.wait(due)
                    continue
                if self._urgent or self._state is not _State.RUNNING:
                    break
                if len(self._queue) >= self.max_batch:
                    break
                remaining = self._queue[0].queued_at + self.flush_interval - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
            self._urgent -= sum(1 for op in batch if op.urgent)
            waiters, self._space_waiters = self._space_waiters, []
            depth = len(self._queue)
        if self.observer is not None:
            self.observer.batch_taken(len(batch), depth)
        for waiter in waiters:
            _resolve(waiter)
        return batch

    def _write(self, batch: list[_Op]) -> bool:
        inserts = [op.event for op in batch if op.kind is _Kind.INSERT and op.event is not None]
        completions = [
            op.event for op in batch if op.kind is _Kind.COMPLETE and op.event is not None
        ]
        waited_on = {
            op.event.id: op.done
            for op in batch
            if op.kind is _Kind.COMPLETE and op.event is not None and op.done is not None
        }

        def settled(event: AuditEvent) -> bool:
            """Whether an outcome is final: not one whose caller stopped waiting for it (it
            was told the outcome is unknown, and a restatement saying so follows)."""
            done = waited_on.get(event.id)
            return done is None or not done.cancelled()

        started = time.perf_counter()
        try:
            if inserts or completions:
                self.store.write(inserts, completions, settled=settled)
        except Exception as exc:
            self._failed(batch, exc)
            return False
        if self.observer is not None and (inserts or completions):
            self.observer.batch_written(inserts, len(completions), time.perf_counter() - started)
            self.observer.logs_grew(_placed(inserts, completions))
        for op in batch:
            if op.done is not None:
                _resolve(op.done)
        return True

    def _failed(self, batch: list[_Op], exc: Exception) -> None:
        """Durable callers learn at once (their request is refused); the rest is retried."""
        retry = [op for op in batch if op.done is None or op.kind is _Kind.BARRIER]
        log.error(
            "audit store write failed (%s); %d entries refused, %d queued for retry",
            exc,
            len(batch) - len(retry),
            len(retry),
        )
        error = AuditUnavailable(f"the audit store is unavailable: {exc}")
        for op in batch:
            if op.done is not None and op.kind is not _Kind.BARRIER:
                _resolve(op.done, error)
        with self._cond:
            self._queue.extendleft(reversed(retry))
            self._urgent += sum(1 for op in retry if op.urgent)

    def _give_up_after_shutdown(self) -> bool:
        with self._cond:
            if self._state is _State.RUNNING or time.monotonic() < self._stop_deadline:
                return False
            lost = [op for op in self._queue if op.kind is not _Kind.BARRIER]
            log.error(
                "audit writer stopping with the store unavailable: %d entries lost", len(lost)
            )
            for op in self._queue:
                if op.done is not None:
                    _resolve(op.done, WriterClosed("the audit writer stopped"))
            self._queue.clear()
            self._urgent = 0
            return True

    def _pause(self, seconds: float) -> None:
        with self._cond:
            self._cond.wait(seconds)


def _resolve(future: Future[None], error: BaseException | None = None) -> None:
    """Settle a future a caller may already have abandoned (timed out or cancelled)."""
    try:
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
    except InvalidStateError:
        pass


def _placed(inserts: list[AuditEvent], completions: list[AuditEvent]) -> Counter[uuid.UUID]:
    """Entries per tenant that a write gave a place in the log: those inserted with their
    outcome, and the completions (the store may refuse a stale one: an observer is told a
    little too much rather than too little)."""
    placed = Counter(e.tenant_id for e in inserts if e.outcome is not Outcome.UNKNOWN)
    placed.update(e.tenant_id for e in completions)
    return placed
