"""Bulk loading generated entries straight into the audit engine's tables with the raw driver.

Each tenant's Merkle log is built as the writer builds it (`store/tree.py`'s `Appender`: the
same seq, leaves and stored nodes), so proofs and verification run on loaded datasets too; the
tenants' first checkpoints are left to the benchmarked server's notary.

Rows are encoded by the store's own bulk path (`audit/store/bulk.py`: exactly as its SQLAlchemy
types would bind them; a test reads them back through `SqlAuditStore`), into the real schema
made by the engine's own migrations, monthly partitions included. For speed the secondary
indexes are dropped during the load and rebuilt from their saved definitions afterwards, SQLite's
free-text index is filled as the writer fills it (`store/bulk.py`'s `index_added`), and the
activity rollup is counted once at the end.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from asgi_audit import AuditEvent, Outcome
from asgi_audit.store.bulk import index_added, postgres_row, sqlite_row
from asgi_audit.store.rollup import Counts
from asgi_audit.store.sql import create_partition
from asgi_audit.store.tables import entries
from asgi_audit.store.tree import Appender, Growth
from asgi_audit.tlog.merkle import CompactRange

COLUMNS = [str(column.name) for column in entries.c]
__all__ = ["COLUMNS", "postgres_row", "sqlite_row"]
Progress = Callable[[str], None]


def _chunks(events: Iterable[AuditEvent], size: int) -> Iterator[list[AuditEvent]]:
    it = iter(events)
    while chunk := list(islice(it, size)):
        yield chunk


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg wants it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> str:
    database = make_url(url).database
    assert database, url
    return database


class LogBuilder:
    """Places loaded entries in their tenants' logs and hands out the tree rows to write."""

    def __init__(self) -> None:
        self.appender = Appender({})

    def place(self, events: list[AuditEvent]) -> list[AuditEvent]:
        grown = self.appender.grown
        placed = []
        for e in events:
            if e.tenant_id not in grown:
                grown[e.tenant_id] = Growth(e.tenant_id, CompactRange())
            placed.append(
                e if e.outcome is Outcome.UNKNOWN else e.appended(self.appender.append(e))
            )
        return placed

    def drain(self) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        """The leaves and nodes made since the last call, as (tenant, seq|level, …) tuples."""
        leaves, nodes = [], []
        for g in self.appender.grown.values():
            leaves += g.leaves
            nodes += g.nodes
            g.leaves.clear()
            g.nodes.clear()
        return leaves, nodes

    def heads(self) -> list[tuple[object, ...]]:
        return [(t, g.edge.size, g.edge.to_bytes(), 0) for t, g in self.appender.grown.items()]


_HEADS = "INSERT INTO audit_heads (tenant_id, size, edge, checkpointed)"


def _hex(row: tuple[object, ...]) -> tuple[object, ...]:
    """A tree row as SQLite keeps it: UUIDs as 32 hex digits."""
    return tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row)


# -- SQLite --------------------------------------------------------------------------------------


def load_sqlite(
    url: str, events: Iterable[AuditEvent], *, progress: Progress = lambda _: None
) -> int:
    """Insert every event with `executemany` in large transactions; returns the count."""
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("PRAGMA temp_store=MEMORY")
        saved = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'audit_entries' "
            "AND type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in saved:
            conn.execute(f'DROP INDEX "{name}"')
        marks = ", ".join("?" * len(COLUMNS))
        insert = f"INSERT INTO audit_entries ({', '.join(COLUMNS)}) VALUES ({marks})"
        count = 0
        started = time.monotonic()
        log = LogBuilder()
        for chunk in _chunks(events, 50_000):
            conn.execute("BEGIN")
            conn.executemany(insert, [sqlite_row(e) for e in log.place(chunk)])
            leaves, nodes = log.drain()
            conn.executemany("INSERT INTO audit_leaves VALUES (?, ?, ?, ?)", map(_hex, leaves))
            conn.executemany("INSERT INTO audit_nodes VALUES (?, ?, ?, ?)", map(_hex, nodes))
            conn.execute("COMMIT")
            count += len(chunk)
            progress(f"loaded {count:,} rows ({count / (time.monotonic() - started):,.0f}/s)")
        conn.executemany(f"{_HEADS} VALUES (?, ?, ?, ?)", map(_hex, log.heads()))
        progress("indexing the entries for free-text search")
        index_added(conn.execute, 1)
        for name, sql in saved:
            progress(f"building index {name}")
            conn.execute(sql)
        conn.execute("PRAGMA optimize")
        return count
    finally:
        conn.close()


# -- PostgreSQL ----------------------------------------------------------------------------------


def load_postgres(
    url: str,
    events: Iterable[AuditEvent],
    months: Iterable[tuple[int, int]],
    *,
    progress: Progress = lambda _: None,
) -> int:
    """COPY every event into the partitioned table (creating the months' partitions first)."""
    engine = create_engine(url)
    with engine.begin() as sa_conn:
        for year, month in sorted(set(months)):
            create_partition(sa_conn, year, month)
    engine.dispose()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        saved = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'audit_entries' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _definition in saved:
            conn.execute(f'DROP INDEX "{name}"')
        copy_sql = f"COPY audit_entries ({', '.join(COLUMNS)}) FROM STDIN"
        count = 0
        started = time.monotonic()
        log = LogBuilder()
        for chunk in _chunks(events, 200_000):
            with conn.transaction(), conn.cursor() as cur:
                with cur.copy(copy_sql) as copy:
                    for e in log.place(chunk):
                        copy.write_row(postgres_row(e))
                leaves, nodes = log.drain()
                for table, rows in (("audit_leaves", leaves), ("audit_nodes", nodes)):
                    with cur.copy(f"COPY {table} FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            count += len(chunk)
            progress(f"copied {count:,} rows ({count / (time.monotonic() - started):,.0f}/s)")
        with conn.cursor() as cur:
            cur.executemany(f"{_HEADS} VALUES (%s, %s, %s, %s)", log.heads())
        conn.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in saved:
            progress(f"building index {name}")
            # The parent's definition reads `ON ONLY audit_entries`, which would not recurse.
            conn.execute(definition.replace(" ON ONLY ", " ON ", 1))
        # What autovacuum would have done by the time a table is this big (recurses).
        progress("vacuum analyze")
        conn.execute("VACUUM (ANALYZE) audit_entries")
        return count


def count_activity(url: str) -> None:
    """Fill the activity chart's rollup from the loaded entries, as the writer would have
    counted them (`asgi_audit/store/rollup.py`)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(Counts(engine.dialect.name).fill())
        if engine.dialect.name == "postgresql":
            # What autovacuum would have done by now: the visibility map lets the chart's
            # reads of older hours be index-only.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) audit_activity")
    finally:
        engine.dispose()


def months_between(start: datetime, end: datetime) -> list[tuple[int, int]]:
    """Every (year, month) from `start`'s to `end`'s, inclusive."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
