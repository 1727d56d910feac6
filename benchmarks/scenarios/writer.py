"""Scenario 2: entries/s the audit writer sustains, against the raw driver's best batch insert.

The same generated rows go into a fresh copy of the real schema (all indexes, SQLite's
free-text index, PostgreSQL's partitions) once through `AuditWriter` + `SqlAuditStore`
(emitted as reads are, committed in the writer's batches) and once through the driver alone:
multi-row `INSERT`s of `SQLITE_ROWS_PER_INSERT` rows in transactions of `RAW_BATCH` rows on
SQLite, then one statement indexing their text for search (`store/bulk.py`'s `index_added`,
as the store does), `COPY` of `RAW_BATCH` rows a transaction on PostgreSQL. Both sides include
encoding the rows (JSON bodies included).

Both sides store the same rows: the driver inserts each entry as the store holds it, final
with its place in its tenant's log (`seq`). An entry without one is stored pending, which
SQLite's free-text index leaves out (it holds final entries only): a baseline of pending rows
would skip the search index that every entry the writer stores pays for. What the driver does
not do is the writer's own work: hashing each leaf, storing the tree and the activity counts.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import create_engine

from asgi_audit import AuditEvent, AuditWriter, Outcome, SqlAuditStore
from asgi_audit.store.bulk import SQLITE_ROWS_PER_INSERT, index_added
from asgi_audit.store.sql import create_partition
from benchmarks.context import Context
from benchmarks.generate import Spec, generate
from benchmarks.load import (
    COLUMNS,
    libpq_url,
    months_between,
    postgres_row,
    sqlite_path,
    sqlite_row,
)
from benchmarks.report import Section
from benchmarks.stats import ratio

RAW_BATCH = 10_000
TARGET = 0.85
"""Issue 12: with hashing and tree storage, at least 0.85 of the raw driver's batch rate."""


def run(ctx: Context) -> Section:
    section = Section(
        key="writer",
        title=f"2. Writer throughput ({ctx.scale.writer_rows:,} generated entries into the real "
        "schema)",
        columns=["db", "raw method", "raw rows/s", "writer rows/s", "ratio"],
    )
    spec = Spec(ctx.scale.writer_rows, datetime.now(UTC), tenants=ctx.scale.tenants, seed=ctx.seed)
    events = list(generate(spec))
    stored = as_stored(events)
    months = months_between(spec.end - timedelta(days=spec.days), spec.end)
    rounds = 2 if ctx.scale.name == "full" else 1
    for kind in ctx.kinds:
        raw: list[float] = []
        writer: list[float] = []
        for n in range(rounds):
            for side in ("raw", "writer") if n % 2 == 0 else ("writer", "raw"):
                with ctx.target.scratch(kind, "writer") as url:
                    if kind == "postgres":
                        _partitions(url, months)
                    ctx.log(f"writer {kind} round {n + 1}: {side}")
                    if side == "raw":
                        seconds = (
                            _raw_sqlite(url, stored) if kind == "sqlite" else _raw_copy(url, stored)
                        )
                        raw.append(len(events) / seconds)
                    else:
                        writer.append(len(events) / _through_writer(url, events))
        best_raw, best_writer = max(raw), max(writer)
        section.add(
            {
                "db": kind,
                "raw method": f"INSERT of {SQLITE_ROWS_PER_INSERT} rows, {RAW_BATCH:,}/txn"
                if kind == "sqlite"
                else f"COPY, {RAW_BATCH:,}/txn",
                "raw rows/s": round(best_raw),
                "writer rows/s": round(best_writer),
                "ratio": round(ratio(best_writer, best_raw), 3),
            }
        )
        section.details.setdefault("rounds", {})[kind] = {"raw": raw, "writer": writer}
    ratios = [r["ratio"] for r in section.rows]
    section.check(
        f"writer >= {TARGET} of the raw driver's batch rate on every database",
        all(isinstance(r, float) and r >= TARGET for r in ratios) if ratios else None,
    )
    section.notes.append(
        "best of the rounds on each side; SQLite with the store's pragmas "
        "(WAL, synchronous=FULL) on both sides; the driver inserts the rows the store holds "
        "(final entries with their seq, so SQLite's search index holds them on both sides)"
    )
    return section


def as_stored(events: list[AuditEvent]) -> list[AuditEvent]:
    """The entries as the store holds them once written: each final one at the next place of
    its tenant's log, in the order given (pending ones stay without a place)."""
    places: Counter[uuid.UUID] = Counter()
    stored = []
    for e in events:
        if e.outcome is Outcome.UNKNOWN:
            stored.append(e)
            continue
        stored.append(e.appended(places[e.tenant_id]))
        places[e.tenant_id] += 1
    return stored


def _partitions(url: str, months: list[tuple[int, int]]) -> None:
    """The data's months, and those the store prepares when it starts (around today's), for
    both sides before either is timed: creating a partition is a start-up cost, not a rate."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for year, month in months:
            create_partition(conn, year, month)
    engine.dispose()
    store = SqlAuditStore.from_url(url)
    try:
        store.prepare()
    finally:
        store.close()


def _raw_sqlite(url: str, events: list[AuditEvent]) -> float:
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        marks = "(" + ", ".join("?" * len(COLUMNS)) + ")"
        into = f"INSERT INTO audit_entries ({', '.join(COLUMNS)}) VALUES "
        started = time.perf_counter()
        for i in range(0, len(events), RAW_BATCH):
            conn.execute("BEGIN")
            rows = [sqlite_row(e) for e in events[i : i + RAW_BATCH]]
            first = None
            for at in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
                chunk = rows[at : at + SQLITE_ROWS_PER_INSERT]
                values = [value for row in chunk for value in row]
                done = conn.execute(into + ", ".join([marks] * len(chunk)), values)
                if first is None:  # the transaction's rows hold consecutive rowids
                    first = done.lastrowid - len(chunk) + 1
            if first is not None:
                index_added(conn.execute, first)  # as the store indexes a batch's text
            conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def _raw_copy(url: str, events: list[AuditEvent]) -> float:
    with psycopg.connect(libpq_url(url)) as conn:
        copy_sql = f"COPY audit_entries ({', '.join(COLUMNS)}) FROM STDIN"
        started = time.perf_counter()
        for i in range(0, len(events), RAW_BATCH):
            with conn.cursor() as cur, cur.copy(copy_sql) as copy:
                for e in events[i : i + RAW_BATCH]:
                    copy.write_row(postgres_row(e))
            conn.commit()
        return time.perf_counter() - started


def _through_writer(url: str, events: list[AuditEvent]) -> float:
    """Seconds from the first `emit` until `flush` confirms the last entry committed."""
    store = SqlAuditStore.from_url(url)
    writer = AuditWriter(store)
    writer.start()

    async def feed() -> float:
        started = time.perf_counter()
        for e in events:
            await writer.emit(e)
        await writer.flush()
        return time.perf_counter() - started

    try:
        return asyncio.run(feed())
    finally:
        writer.shutdown_blocking()
        store.close()
