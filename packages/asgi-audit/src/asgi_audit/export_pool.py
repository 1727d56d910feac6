"""A large JSON Lines export written by worker processes, a window of entries each, in order.

One process cannot write more lines a second than its one core reads and hashes rows, so an
export of more than one `WINDOW` is split where the search's order passes every `WINDOW`th
entry (`SqlAuditStore.export_window_ends`: a step over an index, no rows read), each window
is written by a worker process of the pool (its own connection, its own inclusion paths of
the same tree), and the windows' bytes are yielded in the order they were cut: the file is
byte for byte what one process writes. At most `ahead` windows are in flight, so memory stays
bounded however many entries match. An export of fewer than `MIN_WINDOWS` windows is written
in the caller's thread.

The workers are started on first use (`spawn`: never a fork of a threaded server) and live
until `close`.
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections import deque
from collections.abc import Generator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from threading import Lock

from asgi_audit.export import Chunks, entry_lines
from asgi_audit.store.paths import InclusionPaths
from asgi_audit.store.port import Criteria, Position
from asgi_audit.store.sql import SqlAuditStore

WINDOW = 1_000
"""Entries a worker writes at a time: a chunk of a few MB (as `BATCH` is for one process), so
each window's own costs (a step of the walk, a query) vanish against its lines."""
MIN_WINDOWS = 8
"""An export of fewer windows is written in the caller's thread: it takes well under a second,
less than starting the workers the first time."""


class ExportPool:
    """`workers` processes writing windows of `store`'s JSON Lines exports (each opens the
    store's database itself)."""

    def __init__(
        self,
        store: SqlAuditStore,
        workers: int,
        *,
        window: int = WINDOW,
        min_windows: int = MIN_WINDOWS,
    ) -> None:
        if workers < 1:
            raise ValueError("an export pool needs at least one worker")
        self.store = store
        self.url = store.engine.url.render_as_string(hide_password=False)
        self.workers = workers
        self.window = window
        self.min_windows = min_windows
        self.ahead = 2 * workers
        """Windows in flight: each worker has the next one queued when it finishes one."""
        self._executor: ProcessPoolExecutor | None = None
        self._lock = Lock()

    @classmethod
    def serving(cls, store: SqlAuditStore, workers: int) -> ExportPool | None:
        """A pool of `workers` for `store`, or None when there are none or the store's database
        is in memory (other processes cannot open it)."""
        database = store.engine.url.database
        in_memory = not store.is_postgres and database in (None, "", ":memory:")
        return None if workers < 1 or in_memory else cls(store, workers)

    def lines(self, criteria: Criteria, size: int, batch: int) -> Chunks | None:
        """The export's lines proven in the tree of `size` leaves, a chunk per window; None
        when the search matches fewer than `min_windows` windows (not worth the workers)."""
        ends = self.store.export_window_ends(criteria, self.window)
        first = list(islice(ends, self.min_windows))
        if None in first:
            ends.close()
            return None
        return self._ordered(first, ends, criteria, size, batch)

    def _ordered(
        self,
        first: list[Position | None],
        ends: Generator[Position | None, None, None],
        criteria: Criteria,
        size: int,
        batch: int,
    ) -> Chunks:
        pending: deque[Future[bytes]] = deque()
        after: Position | None = None
        try:
            for through in chain(first, ends):
                pending.append(self._submit(_write_window, criteria, after, through, size, batch))
                after = through
                if len(pending) >= self.ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            ends.close()

    def _submit(self, *call: object) -> Future[bytes]:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_open,
                    initargs=(self.url,),
                )
            try:
                return self._executor.submit(*call)  # type: ignore[arg-type]
            except BrokenProcessPool:
                # A worker died (killed, out of memory): the next export starts a new pool.
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
                raise

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None


# -- in a worker process ----------------------------------------------------------------------

_store: SqlAuditStore | None = None
_paths: dict[tuple[uuid.UUID, int], InclusionPaths] = {}


def _open(url: str) -> None:
    global _store  # one store per worker process, opened once
    _store = SqlAuditStore.from_url(url)


def _write_window(
    criteria: Criteria, after: Position | None, through: Position | None, size: int, batch: int
) -> bytes:
    """One window's lines; the inclusion paths of the latest tree a worker proved in are
    kept, so the windows of one export share their upper parts."""
    assert _store is not None, "the worker's store is opened by its initializer"
    key = (criteria.tenant_id, size)
    paths = _paths.get(key)
    if paths is None:
        _paths.clear()
        paths = _paths[key] = _store.inclusion_paths(criteria.tenant_id, size)
    leaves = _store.export_leaves_between(criteria, after, through, batch)
    return b"".join(entry_lines(leaves, paths))
