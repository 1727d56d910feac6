"""The SQL `AuditStore` for SQLite and PostgreSQL, through SQLAlchemy Core."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Select,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.exc import InterfaceError, OperationalError

from asgi_audit.errors import AuditUnavailable, StoreReplaced
from asgi_audit.events import ENTRY, MODIFICATIONS, Action, AuditEvent, Outcome, occurred_at_of
from asgi_audit.record import Field, Kind
from asgi_audit.store.bulk import (
    SQLITE_ROWS_PER_INSERT,
    AlreadyStored,
    complete_sqlite,
    insert_postgres,
    insert_sqlite,
    place_sqlite,
    postgres_placed,
    postgres_row,
    sqlite_placed,
    sqlite_row,
    still_pending_sqlite,
)
from asgi_audit.store.listing import Listing
from asgi_audit.store.liveness import ping_when_idle
from asgi_audit.store.native_rows import NativeRows
from asgi_audit.store.paths import InclusionPaths
from asgi_audit.store.port import (
    Canonical,
    Category,
    Criteria,
    Head,
    Leaf,
    LogHead,
    Position,
    Pruned,
    SlotCount,
    StoredCheckpoint,
    always,
    is_pruned,
    merge_completions,
)
from asgi_audit.store.recent import Recent
from asgi_audit.store.retention import BATCH, Between, Pruner
from asgi_audit.store.rollup import Counts, Key, activity_key, fold
from asgi_audit.store.sqlite_turns import SQLITE_BUSY_TIMEOUT_S
from asgi_audit.store.sqlite_turns import connect_args as sqlite_connect_args
from asgi_audit.store.stream_rows import StreamRows
from asgi_audit.store.tables import (
    FAILED,
    NOT_READ,
    PARTITION_PREFIX,
    PENDING,
    SEARCH_TEXT,
    c,
    checkpoints,
    entries,
    heads,
    leaves,
    signing_keys,
)
from asgi_audit.store.tree import NODE_STRIDE, Appender, TreeTables
from asgi_audit.store.verify_rows import EntryRows, canonical_document
from asgi_audit.tlog.merkle import (
    CompactRange,
    Node,
    NodeSource,
    consistency_proof,
    inclusion_proof,
)
from asgi_audit.tlog.note import Verifier
from asgi_audit.types import JSONObject

log = logging.getLogger("asgi_audit")

FAILURE_STATUS = 400
"""Status filters from here up are served by the failures' partial index."""

NODES_PER_QUERY = 200
"""Complete nodes asked for in one query (each is a range condition; SQLite caps a query's
expression depth at 1000)."""

SIGNED_KEPT = 1024
"""Stored checkpoints remembered by (tenant, size): proofs name the checkpoint they prove in."""

MIN_FTS_QUERY = 3
"""SQLite's trigram index needs three characters; shorter text is matched by a scan."""

TEXT_SEARCH_WORK_MEM = "64MB"
"""PostgreSQL memory for one free-text search: a tenant's week of trigram matches fits in it
as an exact bitmap (the 4 MB default turns it lossy: every heap row re-checked, twice as slow)."""

_MICROSECOND = timedelta(microseconds=1)

_LIST_COLUMNS = [entries.c[f.column] for f in ENTRY.listed]


def _json_dumps(value: Any) -> str:
    """JSON columns' text: canonical (keys sorted), as the bulk path writes documents."""
    return canonical_document(value).decode()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def make_audit_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the audit store: orjson for JSON (written canonical, keys sorted); on
    SQLite WAL with synchronous=FULL, so a committed entry survives a power cut, not just a
    process crash."""
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args=sqlite_connect_args(), **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_use_lifo", True)
    return ping_when_idle(create_engine(url, **kwargs))


class SqlAuditStore:
    """Entries in `audit_entries`; on PostgreSQL it keeps monthly partitions `months_ahead`."""

    def __init__(self, engine: Engine, *, months_ahead: int = 2, prune_batch: int = BATCH) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        self.months_ahead = months_ahead
        self._listing = Listing(engine.dialect.name)
        self._listing_columns = self._listing.columns()
        self._rows = EntryRows(engine.dialect.name)
        self._stream_rows = StreamRows(self._rows)
        self._native_rows = NativeRows(engine.dialect.name)
        self._counts = Counts(engine.dialect.name)
        self._months: set[tuple[int, int]] = set()
        self._months_lock = threading.Lock()
        # Its thread starts with the first batch of several statements.
        self._ahead = None if self.is_postgres else ThreadPoolExecutor(1, "audit-rows")
        self._pending_row = postgres_row if self.is_postgres else sqlite_row
        self._placed_row = postgres_placed if self.is_postgres else sqlite_placed
        self._file = _sqlite_file(engine)
        self._file_identity: tuple[int, int] | None = None
        self._tree = TreeTables(engine.dialect.name)
        self._pruner = Pruner(engine, batch=prune_batch)
        self._signed: Recent[tuple[uuid.UUID, int], StoredCheckpoint] = Recent(SIGNED_KEPT)
        # An entry takes its place in the log once, while pending; it never changes again.
        self._place_one = (
            update(entries)
            .where(*(entries.c[key] == bindparam(f"k_{key}") for key in ENTRY.key), PENDING)
            .values(seq=bindparam("seq"))
        )
        # An outcome is stored while the entry is pending (not yet in the log).
        self._complete = (
            update(entries)
            .where(*(entries.c[key] == bindparam(f"k_{key}") for key in ENTRY.key), PENDING)
            .values(
                {
                    f.column: bindparam(f.column, type_=entries.c[f.column].type)
                    for f in ENTRY.completing
                }
            )
        )

    @classmethod
    def from_url(cls, url: str, **engine_kwargs: Any) -> SqlAuditStore:
        return cls(make_audit_engine(url, **engine_kwargs))

    # -- writing -----------------------------------------------------------------------------

    def prepare(self) -> None:
        if self._file is not None:
            with self.engine.connect():  # opens (creates) the file whose identity is kept
                self._check_file()
        if self.is_postgres:
            now = datetime.now(UTC)
            months = [_add_months(now.year, now.month, n) for n in range(-1, self.months_ahead + 1)]
            self._ensure_partitions(months)

    def write(
        self,
        inserts: Sequence[AuditEvent],
        completions: Sequence[AuditEvent],
        settled: Callable[[AuditEvent], bool] = always,
    ) -> None:
        if self._file is not None:
            self._check_file()
        inserts, completions = merge_completions(inserts, completions)
        if self.is_postgres and inserts:
            self._ensure_partitions({(e.occurred_at.year, e.occurred_at.month) for e in inserts})
        try:
            self._write(inserts, completions, settled)
        except AlreadyStored:
            # A retry of a batch that was committed after all (its answer was lost): write
            # only what is new, so no entry takes a second place in the log.
            stored = self._stored_ids(inserts)
            self._write([e for e in inserts if e.id not in stored], completions, settled)

    def _write(
        self,
        inserts: Sequence[AuditEvent],
        completions: Sequence[AuditEvent],
        settled: Callable[[AuditEvent], bool],
    ) -> None:
        tenants = {e.tenant_id for e in inserts if e.outcome is not Outcome.UNKNOWN}
        tenants.update(e.tenant_id for e in completions)
        with self.engine.begin() as conn:
            # Locking the heads is the transaction's first statement, and a write.
            log = Appender(self._tree.lock(conn, sorted(tenants)) if tenants else {})
            counted: Counter[Key] = Counter()
            # Each entry takes its place (its leaf hashed, its activity counted) as its row is
            # handed to the driver: on PostgreSQL the server inserts the rows sent while the
            # next are made, on SQLite a thread makes them while the statement before runs.
            if inserts and self._insert_placed(conn, inserts, log, counted) != len(inserts):
                raise AlreadyStored
            if completions:
                self._store_outcomes(conn, completions)
            # Asked only now, the store having taken the outcomes: a caller may have stopped
            # waiting while this transaction waited for a lock.
            for e in self._place(conn, [e for e in completions if settled(e)], log):
                counted[activity_key(e)] += 1
            self._tree.save(conn, log.changed())
            self._counts.add(conn, counted)

    def _insert_placed(
        self,
        conn: Connection,
        inserts: Sequence[AuditEvent],
        log: Appender,
        counted: Counter[Key],
    ) -> int:
        """Insert `inserts`, each final one placed in its tenant's log and counted in
        `counted`; returns how many were added. On SQLite a batch of several statements has
        its rows made a statement ahead, in a thread of its own."""
        rows = self._rows_placed(inserts, log, counted)
        if self.is_postgres:
            return insert_postgres(conn, rows)
        ahead = self._ahead if len(inserts) > SQLITE_ROWS_PER_INSERT else None
        return insert_sqlite(conn, rows, ahead=ahead)

    def _rows_placed(
        self, inserts: Sequence[AuditEvent], log: Appender, counted: Counter[Key]
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of `inserts`, each final one at the next place of its tenant's log, its
        leaf appended from the bytes written with its row (its bodies' JSON written once), and
        its activity counted."""
        pending_row, placed_row = self._pending_row, self._placed_row
        for e in inserts:
            if e.outcome is Outcome.UNKNOWN:
                yield pending_row(e)
                continue
            row, leaf = placed_row(e, log.next_seq(e.tenant_id))
            log.append(e, leaf)
            counted[activity_key(e)] += 1
            yield row

    def _store_outcomes(self, conn: Connection, completions: Sequence[AuditEvent]) -> None:
        if self.is_postgres:
            conn.execute(self._complete, [_completion(e) for e in completions])
        else:
            complete_sqlite(conn, completions)

    def _place(
        self, conn: Connection, candidates: Sequence[AuditEvent], log: Appender
    ) -> list[AuditEvent]:
        """Give each of `candidates` that is still pending (an entry is placed once: a retried
        batch's or a sealed one's keeps its place) the next place of its tenant's log, in
        order; returns those placed. On SQLite their places are set in one statement."""
        if not candidates:
            return []
        if self.is_postgres:
            # One primary-key update each: a join with the batch's keys is planned over every
            # partition's pending entries.
            placed = []
            for e in candidates:
                seq = log.next_seq(e.tenant_id)
                if conn.execute(self._place_one, _place(e, seq)).rowcount == 1:
                    log.append(e)
                    placed.append(e)
            return placed
        waiting = still_pending_sqlite(conn, candidates)
        placed = []
        for e in candidates:
            if e.id in waiting:
                waiting.remove(e.id)  # a second completion of one entry takes no second place
                placed.append(e)
        places = [(e, log.append(e)) for e in placed]
        if places and place_sqlite(conn, places) != len(places):
            raise RuntimeError("an entry found pending took no place in the log")
        return placed

    def _stored_ids(self, events: Sequence[AuditEvent]) -> set[uuid.UUID]:
        """Which of `events` are stored: their primary keys probed, 500 at a time."""
        key = tuple_(*(entries.c[name] for name in ENTRY.key))
        found: set[uuid.UUID] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(events), 500):
                keys = [(e.tenant_id, e.occurred_at, e.id) for e in events[i : i + 500]]
                found.update(conn.execute(select(c.id).where(key.in_(keys))).scalars())
        return found

    def _ensure_partitions(self, months: Iterable[tuple[int, int]]) -> None:
        missing = sorted(set(months) - self._months)
        if not missing:
            return
        with self._months_lock, self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('audit_entries_partitions'))"))
            for year, month in missing:
                create_partition(conn, year, month)
        self._months.update(missing)

    def _check_file(self) -> None:
        """Refuse to write once the SQLite file at our path is not the one first opened: the
        pooled connections would write to the file moved aside, unseen by everyone else."""
        assert self._file is not None
        try:
            found = os.stat(self._file)
        except FileNotFoundError as exc:
            raise StoreReplaced(f"the audit store's file {self._file} was removed") from exc
        identity = (found.st_dev, found.st_ino)
        if self._file_identity is None:
            self._file_identity = identity
        elif identity != self._file_identity:
            raise StoreReplaced(f"the audit store's file {self._file} was replaced")

    # -- reading -----------------------------------------------------------------------------

    def search(self, criteria: Criteria, after: Position | None, limit: int) -> list[AuditEvent]:
        query = (
            select(*_LIST_COLUMNS)
            .where(*self._conditions(criteria, after))
            .order_by(*_order(criteria))
            .limit(limit)
        )
        with _reachable(), self.engine.connect() as conn:
            self._more_memory_for_text(conn, criteria)
            return [ENTRY.from_columns(row._mapping) for row in conn.execute(query)]

    def export(self, criteria: Criteria, batch: int) -> Generator[list[JSONObject], None, None]:
        tenant_id = str(criteria.tenant_id)
        for rows in self._read_all(self._listing_columns, criteria, batch):
            yield [self._listing.item(row, tenant_id) for row in rows]

    def export_documents(
        self, criteria: Criteria, batch: int
    ) -> Generator[list[JSONObject], None, None]:
        """Read lean, as the log's verifier reads (`EntryRows`): no `AuditEvent` per row."""
        build = self._rows.builder(criteria.tenant_id)
        for rows in self._read_all(self._rows.columns, criteria, batch):
            yield [build(row) for row in rows]

    def export_leaves(
        self, criteria: Criteria, batch: int
    ) -> Generator[list[Canonical], None, None]:
        """Read lean with each entry's leaf hash (`EntryRows.committed`), documents spliced."""
        return self.export_leaves_between(criteria, None, None, batch)

    def export_leaves_between(
        self, criteria: Criteria, after: Position | None, through: Position | None, batch: int
    ) -> Generator[list[Canonical], None, None]:
        """`export_leaves` of one window of the criteria's order: the entries after `after` up
        to and including `through` (None: from the first, to the last)."""
        leaf = self._rows.leaf_bytes(criteria.tenant_id)
        window = _narrowed(criteria, after, through)
        where = self._conditions(window, after)
        if through is not None:
            where += _through(window, through)
        query = self._rows.committed().where(*where).order_by(*_order(criteria))
        for rows in self._read_lean(query, criteria, batch):
            yield [leaf(row)[:2] for row in rows]

    def export_window_ends(
        self, criteria: Criteria, window: int
    ) -> Generator[Position | None, None, None]:
        """Where an export splits into windows of `window` entries: the last entry of each
        window in the criteria's order, lazily, then None (the last window runs to the end).
        Each end is found by stepping over `window` keys of an index, not by reading rows."""
        after: Position | None = None
        while True:
            query = (
                select(c.occurred_at, c.id)
                .where(*self._conditions(_narrowed(criteria, after, None), after))
                .order_by(*_order(criteria))
                .offset(window - 1)
                .limit(1)
            )
            with _reachable(), self.engine.connect() as conn:
                self._more_memory_for_text(conn, criteria)
                row = conn.execute(query).first()
            if row is None:
                yield None
                return
            after = Position(row[0], row[1])
            yield after

    def _read_all(
        self, columns: Sequence[ColumnElement[Any]], criteria: Criteria, batch: int
    ) -> Generator[Sequence[Row[Any]], None, None]:
        """Every matching row, in the criteria's order, from one query read by a cursor
        (server-side on PostgreSQL) `batch` rows at a time; the cursor is freed even if the
        reader stops early."""
        query = (
            select(*columns).where(*self._conditions(criteria, None)).order_by(*_order(criteria))
        )
        return self._read(query, criteria, batch)

    def _read(
        self, query: Select[Any], criteria: Criteria, batch: int
    ) -> Generator[Sequence[Row[Any]], None, None]:
        with _reachable(), self.engine.connect() as conn:
            self._more_memory_for_text(conn, criteria)
            result = conn.execution_options(yield_per=batch).execute(query)
            try:
                yield from result.partitions()
            finally:
                result.close()

    def _read_lean(
        self, query: Select[Any], criteria: Criteria, batch: int
    ) -> Generator[Sequence[Any], None, None]:
        """`_read`, but on SQLite the driver's own tuples, `batch` at a time: its cursor is
        read directly (SQLite has no server-side cursor that SQLAlchemy would have read ahead
        of), so no `Row` is made for each."""
        if self.is_postgres:
            yield from self._read(query, criteria, batch)
            return
        with _reachable(), self.engine.connect() as conn:
            result = conn.execute(query)
            try:
                cursor = result.cursor
                while rows := cursor.fetchmany(batch):
                    yield rows
            finally:
                result.close()

    def activity(
        self, criteria: Criteria, slot_seconds: int, edges: Sequence[datetime] = ()
    ) -> list[SlotCount]:
        """From the rollup where the filters allow (summed per bucket of `edges`), else one
        GROUP BY over the covering activity index (`store/rollup.py`)."""
        query = self._counts.query(
            criteria, lambda f: self._conditions(f, None), slot_seconds, edges
        )
        with _reachable(), self.engine.connect() as conn:
            self._more_memory_for_text(conn, criteria)
            rows = conn.execute(query).all()
        # A month of hours is thousands of rows over a few hundred slots: each slot's instant
        # is worked out once, and categories are looked up, not constructed.
        starts = {slot: self._counts.slot_start(slot) for slot in {row[0] for row in rows}}
        return [SlotCount(starts[slot], _CATEGORIES[category], n) for slot, category, n in rows]

    def get(self, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> AuditEvent | None:
        occurred_at = occurred_at_of(entry_id)
        if occurred_at is None:
            return None
        query = select(entries).where(
            c.tenant_id == tenant_id, c.occurred_at == occurred_at, c.id == entry_id
        )
        with _reachable(), self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else ENTRY.from_columns(row._mapping)

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.shutdown()
        self.engine.dispose()

    def entries_after(
        self,
        tenant_id: uuid.UUID,
        after: int,
        limit: int,
        *,
        through: int | None = None,
        actions: frozenset[Action] | None = None,
        raw_documents: bool = False,
    ) -> list[JSONObject]:
        """One range scan of `ix_audit_entries_seq` (tenant, seq), read lean (`StreamRows`)."""
        where = _after_conditions(tenant_id, after, through, actions)
        query = select(*self._stream_rows.columns).where(*where).order_by(c.seq).limit(limit)
        build = self._stream_rows.builder(tenant_id, raw_documents=raw_documents)
        with _reachable(), self.engine.connect() as conn:
            # All at once: sqlite3 fetches row by row (iterating the result) several times slower.
            rows = conn.execute(query).all()
        return [build(row) for row in rows]

    def native_after(
        self,
        tenant_id: uuid.UUID,
        after: int,
        limit: int,
        *,
        through: int | None = None,
        actions: frozenset[Action] | None = None,
    ) -> list[tuple[int, str]]:
        """`entries_after`'s range scan, each entry's JSON written by the database
        (`NativeRows`): no Python value per field."""
        where = _after_conditions(tenant_id, after, through, actions)
        query = select(*self._native_rows.columns).where(*where).order_by(c.seq).limit(limit)
        read = self._native_rows.reader()
        with _reachable(), self.engine.connect() as conn:
            result = conn.execute(query, self._native_rows.parameters(tenant_id))
            # The driver's own tuples (no column has a result processor): a `Row` each was a
            # fifth of the read.
            rows = result.cursor.fetchall()
            result.close()
        return [read(row) for row in rows]

    def count_after(
        self, tenant_id: uuid.UUID, after: int, actions: frozenset[Action] | None = None
    ) -> int:
        """One range scan of `ix_audit_entries_seq`, counted by the database."""
        where = [c.tenant_id == tenant_id, c.seq > after, *_action_conditions(actions)]
        with _reachable(), self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(*where)).scalar() or 0)

    def log_head(self, tenant_id: uuid.UUID) -> LogHead | None:
        """The head's size, then its last entry's instant by `ix_audit_entries_seq`."""
        with _reachable(), self.engine.connect() as conn:
            size = conn.execute(select(heads.c.size).where(heads.c.tenant_id == tenant_id)).scalar()
            if not size:
                return None
            at = conn.execute(
                select(c.occurred_at).where(c.tenant_id == tenant_id, c.seq == size - 1)
            ).scalar()
        return LogHead(size - 1, at)

    # -- the log -----------------------------------------------------------------------------

    def seal(self, before: datetime, limit: int) -> int:
        if self._file is not None:
            self._check_file()
        query = (
            select(entries)
            .where(PENDING, c.occurred_at < before)
            .order_by(c.occurred_at, c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            pending = [ENTRY.from_columns(row._mapping) for row in conn.execute(query)]
        if not pending:
            return 0
        with self.engine.begin() as conn:
            log = Appender(self._tree.lock(conn, sorted({e.tenant_id for e in pending})))
            final = self._place(conn, pending, log)
            self._tree.save(conn, log.changed())
            self._counts.add(conn, fold(final))
        return len(final)

    def heads_to_checkpoint(self, not_since: datetime) -> list[Head]:
        query = select(heads.c.tenant_id, heads.c.size, heads.c.edge).where(
            heads.c.size > heads.c.checkpointed,
            or_(heads.c.checkpointed_at.is_(None), heads.c.checkpointed_at < not_since),
        )
        with _reachable(), self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Head(row.tenant_id, row.size, CompactRange.from_bytes(row.size, row.edge).root())
            for row in rows
        ]

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        with self.engine.begin() as conn:
            self._tree.add_checkpoint(
                conn,
                checkpoint.tenant_id,
                checkpoint.size,
                checkpoint.root,
                checkpoint.note,
                checkpoint.created_at,
            )

    def checkpoint(self, tenant_id: uuid.UUID, size: int | None = None) -> StoredCheckpoint | None:
        """Checkpoints never change once stored, so one of a given size is read once and then
        remembered (`_signed`); the latest is always asked for."""
        if size is not None and (known := self._signed.get((tenant_id, size))) is not None:
            return known
        query = select(checkpoints).where(checkpoints.c.tenant_id == tenant_id)
        if size is None:
            query = query.order_by(checkpoints.c.size.desc()).limit(1)
        else:
            query = query.where(checkpoints.c.size == size)
        with _reachable(), self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        found = _checkpoint(row)
        self._signed.put((tenant_id, found.size), found)
        return found

    def checkpoints(
        self, tenant_id: uuid.UUID, below: int | None, limit: int
    ) -> list[StoredCheckpoint]:
        query = select(checkpoints).where(checkpoints.c.tenant_id == tenant_id)
        if below is not None:
            query = query.where(checkpoints.c.size < below)
        query = query.order_by(checkpoints.c.size.desc()).limit(limit)
        with _reachable(), self.engine.connect() as conn:
            return [_checkpoint(row) for row in conn.execute(query)]

    def inclusion_proof(self, tenant_id: uuid.UUID, seq: int, size: int) -> list[bytes]:
        with _reachable(), self.engine.connect() as conn:
            return inclusion_proof(seq, size, self._source(conn, tenant_id))

    def consistency_proof(self, tenant_id: uuid.UUID, old: int, size: int) -> list[bytes]:
        with _reachable(), self.engine.connect() as conn:
            return consistency_proof(old, size, self._source(conn, tenant_id))

    def inclusion_paths(self, tenant_id: uuid.UUID, size: int) -> InclusionPaths:
        def source(wanted: Iterable[Node]) -> dict[Node, bytes]:
            nodes = sorted(wanted)
            stored = [n for n in nodes if n[0] % NODE_STRIDE == 0]
            others = [n for n in nodes if n[0] % NODE_STRIDE != 0]
            with _reachable(), self.engine.connect() as conn:
                found = self._tree.stored_hashes(conn, tenant_id, stored) if stored else {}
                for i in range(0, len(others), NODES_PER_QUERY):
                    chunk = others[i : i + NODES_PER_QUERY]
                    found.update(self._tree.node_hashes(conn, tenant_id, chunk))
            return found

        return InclusionPaths(size, source)

    def _source(self, conn: Connection, tenant_id: uuid.UUID) -> NodeSource:
        return lambda wanted: self._tree.node_hashes(conn, tenant_id, wanted)

    def record_key(self, verifier: Verifier, at: datetime) -> None:
        row = {
            "name": verifier.name,
            "key_id": verifier.key_id.hex(),
            "public_key": verifier.public_key,
            "created_at": at,
        }
        with self.engine.begin() as conn:
            conn.execute(self._tree.insert(signing_keys).on_conflict_do_nothing(), [row])

    def key_dates(self) -> dict[str, datetime]:
        with _reachable(), self.engine.connect() as conn:
            rows = conn.execute(select(signing_keys)).all()
        return {Verifier(row.name, bytes(row.public_key)).key: row.created_at for row in rows}

    def prune(
        self,
        tenant_id: uuid.UUID,
        before: datetime,
        limit: int | None = None,
        between: Between | None = None,
    ) -> Pruned:
        """See `AuditStore.prune` and `store/retention.py`; `between` is told after each batch."""
        if self._file is not None:
            self._check_file()
        with _reachable():
            return self._pruner.prune(tenant_id, before, limit, between)

    def pruned_before(self, tenant_id: uuid.UUID) -> datetime | None:
        with _reachable():
            return self._pruner.pruned_before(tenant_id)

    def leaves(
        self, tenant_id: uuid.UUID, start: int, end: int, batch: int
    ) -> Generator[list[Leaf], None, None]:
        """Leaves joined to their entries by key (the entry's instant is in its id); a leaf
        whose entry is gone is pruned when that instant is before the retention mark."""
        mark = self.pruned_before(tenant_id)
        on = (
            (c.tenant_id == leaves.c.tenant_id)
            & (c.seq == leaves.c.seq)
            & (c.id == leaves.c.entry_id)
        )
        query = (
            select(
                leaves.c.seq.label("leaf_seq"),
                leaves.c.entry_id.label("leaf_entry"),
                leaves.c.hash.label("leaf_hash"),
                entries,
            )
            .select_from(leaves.outerjoin(entries, on))
            .where(leaves.c.tenant_id == tenant_id, leaves.c.seq >= start, leaves.c.seq < end)
            .order_by(leaves.c.seq)
        )
        with _reachable(), self.engine.connect() as conn:
            result = conn.execution_options(yield_per=batch).execute(query)
            try:
                for rows in result.partitions():
                    yield [_leaf(row, mark) for row in rows]
            finally:
                result.close()

    def _more_memory_for_text(self, conn: Connection, criteria: Criteria) -> None:
        """Give a PostgreSQL free-text search more memory, for its transaction only."""
        if self.is_postgres and criteria.text is not None:
            conn.execute(text(f"SET LOCAL work_mem = '{TEXT_SEARCH_WORK_MEM}'"))

    def _conditions(self, f: Criteria, after: Position | None) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [
            c.tenant_id == f.tenant_id,
            c.occurred_at >= f.start,
            c.occurred_at < f.end,
        ]
        if after is not None and f.oldest_first:
            where += [
                c.occurred_at >= after.occurred_at,
                or_(c.occurred_at > after.occurred_at, c.id > after.id),
            ]
        elif after is not None:
            where += [
                c.occurred_at <= after.occurred_at,
                or_(c.occurred_at < after.occurred_at, c.id < after.id),
            ]
        where.extend(_action_conditions(f.actions))
        if f.actor_type is not None:
            where.append(c.actor_type == f.actor_type.value)
        if f.actor_id is not None:
            where.append(c.actor_id == f.actor_id)
        if f.actor_email is not None:
            where.append(c.actor_email == f.actor_email)
        if f.resource_type is not None:
            where.append(c.resource_type == f.resource_type)
        if f.resource_id is not None:
            where.append(c.resource_id == f.resource_id)
        if f.exclude_resource_type is not None:
            where.append(or_(c.resource_type.is_(None), c.resource_type != f.exclude_resource_type))
        if f.status_min is not None:
            where.append(c.status >= f.status_min)
            if f.status_min >= FAILURE_STATUS:
                where.append(FAILED)
        if f.status_max is not None:
            where.append(c.status <= f.status_max)
        if f.text is not None:
            where.append(self._text_condition(f.text))
        return where

    def _text_condition(self, needle: str) -> ColumnElement[bool]:
        escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        scanned = SEARCH_TEXT.like(f"%{escaped}%", escape="\\")
        if not self.is_postgres and len(needle) >= MIN_FTS_QUERY:
            phrase = '"' + needle.replace('"', '""') + '"'
            matches = text(
                "SELECT entry_id FROM audit_search WHERE audit_search MATCH :phrase"
            ).bindparams(phrase=phrase)
            # The FTS5 table holds final entries only (`tables.SQLITE_SEARCH_DDL`): the few
            # still pending are matched by a scan.
            return or_(c.id.in_(matches.columns(entry_id=c.id.type)), PENDING & scanned)
        return scanned


def _after_conditions(
    tenant_id: uuid.UUID, after: int, through: int | None, actions: frozenset[Action] | None
) -> list[ColumnElement[bool]]:
    """A stream's read: the tenant's entries after `after` (through `through`), of `actions`."""
    where = [c.tenant_id == tenant_id, c.seq > after, *_action_conditions(actions)]
    if through is not None:
        where.append(c.seq <= through)
    return where


def _action_conditions(actions: frozenset[Action] | None) -> list[ColumnElement[bool]]:
    """Only `actions` (the modifications as the literal their partial index is on)."""
    if actions is None:
        return []
    if actions == MODIFICATIONS:
        return [NOT_READ]
    return [c.action.in_(sorted(a.value for a in actions))]


def _narrowed(f: Criteria, after: Position | None, through: Position | None) -> Criteria:
    """`f` with its time range narrowed to a window's ends, so the index range scanned starts
    and stops at them (SQLite keeps one bound of each side, not the tightest)."""
    first = None if after is None else after.occurred_at
    last = None if through is None else through.occurred_at
    if not f.oldest_first:
        first, last = last, first
    start = f.start if first is None else max(f.start, first)
    end = f.end if last is None else min(f.end, last + _MICROSECOND)
    return replace(f, start=start, end=end)


def _through(f: Criteria, last: Position) -> list[ColumnElement[bool]]:
    """Entries up to and including `last` in the criteria's order (`after`'s other side)."""
    if f.oldest_first:
        return [
            c.occurred_at <= last.occurred_at,
            or_(c.occurred_at < last.occurred_at, c.id <= last.id),
        ]
    return [
        c.occurred_at >= last.occurred_at,
        or_(c.occurred_at > last.occurred_at, c.id >= last.id),
    ]


def _order(criteria: Criteria) -> tuple[ColumnElement[Any], ...]:
    if criteria.oldest_first:
        return c.occurred_at.asc(), c.id.asc()
    return c.occurred_at.desc(), c.id.desc()


_CATEGORIES = {category.value: category for category in Category}


def _sqlite_file(engine: Engine) -> str | None:
    """The path of a SQLite file database; None for PostgreSQL and in-memory SQLite."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return os.path.abspath(database)


@contextmanager
def _reachable() -> Iterator[None]:
    """A read that cannot reach the database raises `AuditUnavailable` (the host's 503)."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise AuditUnavailable(f"the audit store is unavailable: {exc.orig}") from exc


def create_partition(conn: Connection, year: int, month: int) -> None:
    """Create the partition of `audit_entries` for one month, unless it exists."""
    next_year, next_month = _add_months(year, month, 1)
    name = f"{PARTITION_PREFIX}{year:04d}{month:02d}"
    conn.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF audit_entries FOR VALUES "
            f"FROM ('{year:04d}-{month:02d}-01 00:00:00+00') "
            f"TO ('{next_year:04d}-{next_month:02d}-01 00:00:00+00')"
        )
    )


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _completion(e: AuditEvent) -> dict[str, Any]:
    """The bound values of `_complete` for one entry: its key and its outcome's fields."""
    values = dict(zip(ENTRY.columns, ENTRY.values(e), strict=True))
    return _key(values) | {f.column: _bindable(f, values[f.column]) for f in ENTRY.completing}


def _key(values: dict[str, Any]) -> dict[str, Any]:
    """The bound key (`k_<column>`) of an entry from its column values."""
    return {f"k_{key}": values[key] for key in ENTRY.key}


def _place(e: AuditEvent, seq: int) -> dict[str, Any]:
    """The bound values of `_place_one`: an entry's key and its seq."""
    return _key(dict(zip(ENTRY.columns, ENTRY.values(e), strict=True))) | {"seq": seq}


def _checkpoint(row: Row[Any]) -> StoredCheckpoint:
    return StoredCheckpoint(row.tenant_id, row.size, bytes(row.root), row.note, row.created_at)


def _leaf(row: Row[Any], mark: datetime | None) -> Leaf:
    mapping = row._mapping
    entry = None if mapping["id"] is None else ENTRY.from_columns(mapping)
    entry_id = mapping["leaf_entry"]
    pruned = entry is None and is_pruned(entry_id, mark)
    return Leaf(mapping["leaf_seq"], entry_id, bytes(mapping["leaf_hash"]), entry, pruned)


def _bindable(f: Field, value: Any) -> Any:
    """A value as SQLAlchemy binds it to the field's column type."""
    if value is None:
        return None
    if f.kind is Kind.DOCUMENT:
        return value.to_dict()
    return value.value if f.enum is not None else value
