"""Online verification of the log in a SQL store: every entry against its leaf, the tree rebuilt
against its stored nodes, head and signed checkpoints, and a checkpoint the tenant kept.

One tenant is read in windows of `batch` places of its log (`seq`), entries through
`ix_audit_entries_seq` and leaves through their primary key, so memory stays flat however long
the log. Each window is checked where its rows are read (`verify_window.check_window`: in a
worker process, `workers` of them forked ahead, or in this one): every entry's leaf recomputed
from its stored columns and compared with the leaf at its place, answered as one run of hashes
plus the places in doubt, which this process names. The tree then grows by the window at once
(`tlog.grow.grow_tree`: a window of 2^k places at a multiple of 2^k is one perfect subtree,
hashed level by level).

The tree is rebuilt from the stored leaf hashes: an entry changed alone differs from its leaf
(`altered`); an entry changed with its leaf, nodes and head recomputed (whoever can drop the
triggers can) gives roots that no signed checkpoint has (`altered`, naming the checkpoint); and
a whole log cut back to an older state together with its checkpoints only shows against a
checkpoint kept elsewhere (`rolled back`). Consecutive checkpoints are consistent when each one's
root is the root of one rebuilt tree at its size, which is what is checked.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    func,
    or_,
    select,
    union,
)

from asgi_audit.store.port import is_pruned
from asgi_audit.store.tables import PENDING, c, checkpoints, heads, leaves, nodes, retention
from asgi_audit.store.tree import NODE_STRIDE
from asgi_audit.store.verify_rows import EntryRows
from asgi_audit.store.verify_window import HASH_SIZE, Window, check_window
from asgi_audit.tlog.findings import Problem, Report
from asgi_audit.tlog.grow import grow_tree
from asgi_audit.tlog.merkle import EMPTY_ROOT, CompactRange
from asgi_audit.tlog.note import Checkpoint, NoteError, Verifier, open_note

Origin = Callable[[uuid.UUID], str]
"""The origin line of a tenant's log."""
Progress = Callable[[int], None]
"""Told how many more entries were checked."""

SEAL_GRACE = timedelta(seconds=60)
"""How long past the seal window a pending entry may wait for the next sealing pass."""

_WORKER_ENGINE: list[Engine] = []


def _check_in_worker(url: str, tenant: uuid.UUID, lo: int, hi: int, top: int) -> Window:
    """`check_window` in a worker process, over its own connection (made once)."""
    if not _WORKER_ENGINE:
        from asgi_audit.store.sql import make_audit_engine

        _WORKER_ENGINE.append(make_audit_engine(url))
    with _WORKER_ENGINE[0].connect() as conn:
        return check_window(conn, tenant, lo, hi, top)


def _start_method() -> str:
    """Fork where the platform can and this process runs one thread (a fork then copies no
    lock another thread holds): a worker starts in milliseconds, where a spawned one imports
    everything again first (seconds, as long as verifying a tenant of 100 000 entries).
    Workers open their own connections either way."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


@dataclass(frozen=True, slots=True)
class Kept:
    """A checkpoint the tenant kept, already opened: its log must still extend it."""

    checkpoint: Checkpoint


def open_kept(note: str, trusted: list[Verifier]) -> Kept:
    """A kept checkpoint's signed note, checked against the trusted keys (NoteError if not)."""
    text, _ = open_note(note, trusted)
    return Kept(Checkpoint.parse(text))


class LogVerifier:
    """Verifies the logs in one SQL store (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        trusted: list[Verifier],
        origin: Origin,
        *,
        seal_after: float = 120.0,
        batch: int = 16_384,
        now: datetime | None = None,
        progress: Progress | None = None,
        workers: int = 0,
    ) -> None:
        self.engine = engine
        self.workers = workers
        """Processes that recompute leaves ahead, window by window (0: all in this one);
        the work is per entry, so on n cores n workers verify about n times as fast."""
        self._pool: ProcessPoolExecutor | None = None
        self.trusted = trusted
        self.origin = origin
        self.batch = batch
        self.cutoff = (now or datetime.now(UTC)) - timedelta(seconds=seal_after) - SEAL_GRACE
        self.progress = progress
        self.rows = EntryRows(engine.dialect.name)

    def tenants(self) -> list[uuid.UUID]:
        """Every tenant with a log, a checkpoint, or entries left out of the log too long."""
        late = select(c.tenant_id).where(PENDING, c.occurred_at < self.cutoff).distinct()
        query = union(select(heads.c.tenant_id), select(checkpoints.c.tenant_id), late)
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars())

    def tenant_of(self, kept: Kept) -> uuid.UUID | None:
        """The tenant whose log the kept checkpoint names."""
        for tenant in self.tenants():
            if self.origin(tenant) == kept.checkpoint.origin:
                return tenant
        return None

    def verify(self, tenant_id: uuid.UUID, kept: Kept | None = None) -> Report:
        report = Report(tenant_id)
        with self.engine.connect() as conn:
            _TenantCheck(self, conn, report, kept).run()
        return report

    def pool(self) -> ProcessPoolExecutor | None:
        if self.workers and self._pool is None:
            context = multiprocessing.get_context(_start_method())
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def verify_all(self, kept: Kept | None = None) -> Iterator[Report]:
        for tenant in self.tenants():
            yield self.verify(tenant, kept if kept and self._names(tenant, kept) else None)

    def _names(self, tenant: uuid.UUID, kept: Kept) -> bool:
        return self.origin(tenant) == kept.checkpoint.origin


@dataclass(slots=True)
class _Signed:
    size: int
    root: bytes


class _TenantCheck:
    """One pass over one tenant's log."""

    def __init__(
        self, owner: LogVerifier, conn: Connection, report: Report, kept: Kept | None
    ) -> None:
        assert report.tenant_id is not None
        self.v = owner
        self.conn = conn
        self.report = report
        self.tenant = report.tenant_id
        self.kept = kept
        self.tree = CompactRange()
        self.build = owner.rows.builder(self.tenant)
        self.made: dict[tuple[int, int], bytes] = {}
        self.made_total = 0
        self.stray_entries: dict[Any, int] = {}
        """Entries at a place whose leaf is another's: id → the seq they claim."""
        self.stray_leaves: dict[Any, int] = {}
        """Leaves whose entry is not at their place: entry id → leaf seq."""
        self.kept_root: bytes | None = None
        """The rebuilt tree's root at the kept checkpoint's size, once reached."""
        self.tree_top = 0
        """The tree's size as its head and leaves tell it; entries beyond it are strays."""
        self.ahead: dict[int, Future[Window]] = {}
        """Windows workers are checking, by their first place."""
        self.mark = conn.execute(
            select(retention.c.before).where(retention.c.tenant_id == self.tenant)
        ).scalar()
        """The tenant's retention mark: a leaf whose entry occurred before it and is gone
        was pruned (hash only), not lost."""

    def run(self) -> None:
        head = self.conn.execute(
            select(heads.c.size, heads.c.edge).where(heads.c.tenant_id == self.tenant)
        ).first()
        last_leaf = self._max(leaves.c.seq, leaves.c.tenant_id)
        self.tree_top = max(head.size if head else 0, last_leaf + 1)
        top = max(self.tree_top, self._max(c.seq, c.tenant_id) + 1)
        kept = {self.kept.checkpoint.size} if self.kept else set()
        done = -1
        windows = [(lo, min(lo + self.v.batch, top)) for lo in range(0, top, self.v.batch)]
        pool = self.v.pool() if len(windows) > 1 else None
        to_submit = list(windows)
        url = self.v.engine.url.render_as_string(hide_password=False)
        for lo, hi in windows:
            while pool and to_submit and len(self.ahead) <= self.v.workers:
                start, end = to_submit.pop(0)
                self.ahead[start] = pool.submit(
                    _check_in_worker, url, self.tenant, start, end, self.tree_top
                )
            signed = self._checkpoints(done, hi)
            at_sizes: dict[int, bytes] = {0: EMPTY_ROOT} if lo == 0 else {}
            self._window(lo, hi, {cp.size for cp in signed} | kept, at_sizes)
            self._check_signed(signed, at_sizes)
            if self.kept and self.kept.checkpoint.size in at_sizes:
                self.kept_root = at_sizes[self.kept.checkpoint.size]
            done = hi
            if self.v.progress:
                self.v.progress(hi - lo)
        # Checkpoints of more leaves than the log has (or any, for an empty log).
        self._check_signed(self._checkpoints(done, None), {0: EMPTY_ROOT} if done < 0 else {})
        if self.kept and self.kept.checkpoint.size == 0:
            self.kept_root = EMPTY_ROOT
        self.report.size = self.tree.size
        self._settle_strays()
        self._check_nodes_beyond()
        self._check_head(head)
        self._check_kept()
        self._check_pending()

    # -- reading -----------------------------------------------------------------------------

    def _max(self, column: Any, tenant_column: Any) -> int:
        value = self.conn.execute(select(func.max(column)).where(tenant_column == self.tenant))
        found = value.scalar()
        return -1 if found is None else int(found)

    def _checkpoints(self, after: int, upto: int | None) -> list[_Signed]:
        """The stored checkpoints of sizes in (after, upto] whose signature, origin and stored
        root hold (the others are reported)."""
        query = (
            select(checkpoints.c.size, checkpoints.c.root, checkpoints.c.note)
            .where(checkpoints.c.tenant_id == self.tenant, checkpoints.c.size > after)
            .order_by(checkpoints.c.size)
        )
        if upto is not None:
            query = query.where(checkpoints.c.size <= upto)
        origin = self.v.origin(self.tenant)
        good: list[_Signed] = []
        for row in self.conn.execute(query):
            self.report.checkpoints += 1
            try:
                text, _ = open_note(row.note, self.v.trusted)
                cp = Checkpoint.parse(text)
            except NoteError as exc:
                self.report.add(Problem.BAD_SIGNATURE, str(exc), checkpoint=row.size)
                continue
            if cp.origin != origin:
                detail = f"it names the log {cp.origin!r}, not {origin!r}"
                self.report.add(Problem.BAD_SIGNATURE, detail, checkpoint=row.size)
            elif cp.size != row.size or cp.root != bytes(row.root):
                detail = f"the signed note says size {cp.size}, not the stored size and root"
                self.report.add(Problem.ALTERED, detail, checkpoint=row.size)
            else:
                good.append(_Signed(cp.size, cp.root))
        return good

    # -- one window of places ----------------------------------------------------------------

    def _window(self, lo: int, hi: int, roots: set[int], at_sizes: dict[int, bytes]) -> None:
        """Check the places [lo, hi) and grow the tree by them, noting its root at `roots`."""
        ahead = self.ahead.pop(lo, None)
        window = (
            ahead.result() if ahead else check_window(self.conn, self.tenant, lo, hi, self.tree_top)
        )
        hashes = window.hashes
        if window.irregular:
            patched = bytearray(hashes)
            for seq, leaf, here in window.irregular:
                at = HASH_SIZE * (seq - lo)
                patched[at : at + HASH_SIZE] = self._mismatch(seq, leaf, here)
            hashes = bytes(patched)
        self.stray_entries.update(window.beyond)
        grow_tree(self.tree, hashes, roots, at_sizes, self.made, NODE_STRIDE)
        self._check_nodes(lo, hi)

    def _mismatch(
        self, seq: int, leaf: tuple[Any, bytes] | None, here: list[tuple[Any, bytes]]
    ) -> bytes:
        """Sort out a place whose leaf and entries differ; returns the hash the tree takes."""
        add = self.report.add
        if leaf is not None and not here and is_pruned(_as_uuid(leaf[0]), self.mark):
            self.report.pruned += 1
            return leaf[1]
        if leaf is None:
            add(Problem.MISSING, "its place in the tree has no leaf", seq=seq)
        matched = False
        for entry_id, entry_hash in here:
            if leaf is not None and entry_id == leaf[0] and not matched:
                matched = True
                if entry_hash != leaf[1]:
                    detail = "its content differs from what its leaf committed to"
                    add(Problem.ALTERED, detail, seq=seq, entry_id=_as_uuid(entry_id))
            else:
                self.stray_entries[entry_id] = seq
        if leaf is not None:
            if not matched:
                self.stray_leaves[leaf[0]] = seq
            return leaf[1]
        return here[0][1] if len(here) == 1 else bytes(32)

    def _check_nodes(self, lo: int, hi: int) -> None:
        """The stored complete nodes finished by the leaves [lo, hi) equal the rebuilt ones."""
        ranges = []
        level = NODE_STRIDE
        while (1 << level) <= hi:
            first = -(-(lo + 1) // (1 << level)) - 1
            last = -(-(hi + 1) // (1 << level)) - 1
            if first < last:
                ranges.append(
                    and_(nodes.c.level == level, nodes.c.idx >= first, nodes.c.idx < last)
                )
            level += NODE_STRIDE
        made, self.made = self.made, {}
        self.made_total += len(made)
        if not ranges:
            return
        query = select(nodes.c.level, nodes.c.idx, nodes.c.hash).where(
            nodes.c.tenant_id == self.tenant, or_(*ranges)
        )
        for level, idx, digest in self.conn.execute(query):
            expected = made.pop((level, idx), None)
            if expected is None:
                self.report.add(Problem.INSERTED, f"tree node ({level}, {idx}) is not in the tree")
            elif expected != bytes(digest):
                detail = f"tree node ({level}, {idx}) differs from the tree its leaves make"
                self.report.add(Problem.ALTERED, detail)
        for level, idx in made:
            self.report.add(Problem.MISSING, f"tree node ({level}, {idx}) is not stored")

    # -- after the pass ----------------------------------------------------------------------

    def _settle_strays(self) -> None:
        add = self.report.add
        for entry_id, leaf_seq in self.stray_leaves.items():
            claimed = self.stray_entries.pop(entry_id, None)
            if claimed is None:
                add(
                    Problem.MISSING,
                    "its leaf is in the log, the entry is gone",
                    seq=leaf_seq,
                    entry_id=_as_uuid(entry_id),
                )
            else:
                detail = f"it is stored at seq {claimed}, its leaf is at seq {leaf_seq}"
                add(Problem.REORDERED, detail, seq=claimed, entry_id=_as_uuid(entry_id))
        for entry_id, seq in self.stray_entries.items():
            beyond = " (beyond the tree)" if seq >= self.tree.size else ""
            detail = f"no leaf of the log is this entry{beyond}"
            add(Problem.INSERTED, detail, seq=seq, entry_id=_as_uuid(entry_id))

    def _check_nodes_beyond(self) -> None:
        count = self.conn.execute(
            select(func.count()).select_from(nodes).where(nodes.c.tenant_id == self.tenant)
        ).scalar_one()
        if count > self.made_total:
            detail = f"{count - self.made_total} stored tree nodes are beyond the tree"
            self.report.add(Problem.INSERTED, detail)

    def _check_head(self, head: Any) -> None:
        if head is None:
            if self.tree.size:
                self.report.add(Problem.MISSING, "the tree's head is not stored")
            return
        if head.size != self.tree.size or bytes(head.edge) != self.tree.to_bytes():
            detail = (
                f"the stored head (size {head.size}) is not the tree of {self.tree.size} leaves"
            )
            self.report.add(Problem.ALTERED, detail)

    def _check_signed(self, signed: list[_Signed], at_sizes: dict[int, bytes]) -> None:
        for cp in signed:
            root = at_sizes.get(cp.size)
            if root is None:
                detail = f"the log has {self.tree.size} entries, fewer than it signed"
                self.report.add(Problem.ROLLED_BACK, detail, checkpoint=cp.size)
            elif root != cp.root:
                detail = "the log's root at this size differs from the signed one (rewritten)"
                self.report.add(Problem.ALTERED, detail, checkpoint=cp.size)

    def _check_kept(self) -> None:
        if self.kept is None:
            return
        kept = self.kept.checkpoint
        root = self.kept_root
        if kept.origin != self.v.origin(self.tenant):
            detail = f"the kept checkpoint is of the log {kept.origin!r}, not this one"
            self.report.add(Problem.BAD_SIGNATURE, detail, checkpoint=kept.size)
        elif root is None:
            detail = f"the kept checkpoint has {kept.size} entries, the log now {self.tree.size}"
            self.report.add(Problem.ROLLED_BACK, detail, checkpoint=kept.size)
        elif root != kept.root:
            detail = "the log no longer extends the kept checkpoint (its root at that size differs)"
            self.report.add(Problem.ROLLED_BACK, detail, checkpoint=kept.size)

    def _check_pending(self) -> None:
        query = (
            select(c.seq, c.id, c.occurred_at)
            .where(c.tenant_id == self.tenant, PENDING, c.occurred_at < self.v.cutoff)
            .order_by(c.occurred_at)
        )
        for _seq, entry_id, occurred_at in self.conn.execute(query):
            detail = f"pending since {occurred_at:%Y-%m-%d %H:%M:%S}Z, past the seal window"
            self.report.add(Problem.NOT_IN_LOG, detail, entry_id=entry_id)


def _as_uuid(value: Any) -> uuid.UUID:
    """An id as a driver returned it (a UUID, or 32 hex digits from SQLite)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=str(value))
