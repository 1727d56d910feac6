"""Generated datasets, built once and reused: a run finds a complete dataset of the same spec and
skips the (long) generation; an interrupted load is found incomplete and rebuilt."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from asgi_audit.store.rollup import Counts
from benchmarks.config import KEEP_DATASETS_FROM
from benchmarks.context import Context
from benchmarks.fixtures import add_tenants
from benchmarks.generate import Spec, generate, tenant_ids
from benchmarks.load import count_activity, load_postgres, load_sqlite, months_between
from callmanager.migrate import upgrade

META = "bench_dataset"
"""A one-row table in the dataset's database: its spec, written when the load completed."""


@dataclass(frozen=True, slots=True)
class Dataset:
    kind: str
    name: str
    url: str
    spec: Spec
    load_seconds: float
    reused: bool

    @property
    def tenant_ids(self) -> list[uuid.UUID]:
        """Largest tenant first."""
        return tenant_ids(self.spec)

    @property
    def keep(self) -> bool:
        return self.spec.entries >= KEEP_DATASETS_FROM


def ensure(ctx: Context, kind: str, label: str, entries: int, tenants: int) -> Dataset:
    """The dataset `label` of this size and seed, loading it unless a complete one exists."""
    probe = Spec(entries, datetime.now(UTC), tenants=tenants, seed=ctx.seed)
    name = f"{label}_{probe.key}"
    if ctx.target.exists(kind, name):
        found = _read_meta(ctx.target.url(kind, name))
        if found is not None and found[0].key == probe.key:
            ctx.log(f"{kind}: reusing dataset {name} (made {found[0].end:%Y-%m-%d %H:%M} UTC)")
            dataset = Dataset(kind, name, ctx.target.url(kind, name), found[0], found[1], True)
            if removed := forget_runs(dataset):
                ctx.log(f"{kind}: removed {removed:,} entries recorded by earlier runs")
            return dataset
        ctx.log(f"{kind}: dataset {name} is incomplete; rebuilding it")
    spec = Spec(entries, datetime.now(UTC).replace(microsecond=0), tenants=tenants, seed=ctx.seed)
    url = ctx.target.create(kind, name)
    upgrade(url)
    ctx.log(f"{kind}: generating and loading {entries:,} entries into {name}")
    started = time.monotonic()
    events = generate(spec)
    progress = _throttled(ctx, kind)
    if kind == "sqlite":
        load_sqlite(url, events, progress=progress)
    else:
        start = spec.end - timedelta(days=spec.days)
        load_postgres(url, events, months_between(start, spec.end), progress=progress)
    progress("counting the activity rollup")
    count_activity(url)
    ids = tenant_ids(spec)
    add_tenants(url, [(t, f"Tenant {n:04d}", "UTC") for n, t in enumerate(ids)])
    seconds = round(time.monotonic() - started, 1)
    _write_meta(url, spec, seconds)
    ctx.log(f"{kind}: dataset {name} ready in {seconds:.0f} s")
    return Dataset(kind, name, url, spec, seconds, False)


BENCH_DOMAIN = "bench.example"
"""Benchmark callers' email domain; the generator never uses it."""


def forget_runs(dataset: Dataset) -> int:
    """Remove the entries earlier runs recorded (their own queries and exports are audited like
    any call), so every run starts from the generated dataset. Returns how many went."""
    engine = create_engine(dataset.url)
    largest = dataset.tenant_ids[0]  # the only tenant benchmarks call
    pattern = {"p": f"%@{BENCH_DOMAIN}", "t": largest.hex if dataset.kind == "sqlite" else largest}
    try:
        with engine.begin() as conn:
            if dataset.kind == "sqlite":  # the free-text rows the insert trigger made
                conn.execute(
                    text(
                        "DELETE FROM audit_search WHERE entry_id IN (SELECT id FROM audit_entries "
                        "WHERE tenant_id = :t AND actor_email LIKE :p)"
                    ),
                    pattern,
                )
            # The log's one guarded path for deleting entries: a grant, in the same transaction.
            grant = {"t": pattern["t"], "b": "9999-12-31 00:00:00.000000+00:00"}
            if dataset.kind == "sqlite":
                grant["b"] = "9999-12-31 00:00:00.000000"
            conn.execute(text("INSERT INTO audit_deletion_grants VALUES (:t, :b)"), grant)
            removed = conn.execute(
                text("DELETE FROM audit_entries WHERE tenant_id = :t AND actor_email LIKE :p"),
                pattern,
            ).rowcount
            conn.execute(text("DELETE FROM audit_deletion_grants WHERE tenant_id = :t"), grant)
            if removed:  # their counts too: the tenant's rollup counted again
                counts = Counts(engine.dialect.name)
                conn.execute(counts.forget(largest))
                conn.execute(counts.fill(largest))
        if removed and dataset.kind == "postgres":
            # Counted again, the tenant's rollup rows are all new versions, none of them in the
            # visibility map: without the vacuum autovacuum gives them in production, the
            # chart's index-only scan would visit the heap for every row (2-3 fetches a row).
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) audit_activity")
    finally:
        engine.dispose()
    return int(removed)


def release(ctx: Context, dataset: Dataset) -> None:
    """Drop a dataset too small to be worth keeping."""
    if not dataset.keep:
        ctx.target.drop(dataset.kind, dataset.name)


def _throttled(ctx: Context, kind: str) -> Callable[[str], None]:
    last = [0.0]

    def progress(message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 10 or not message.startswith(("loaded", "copied")):
            last[0] = now
            ctx.log(f"{kind}: {message}")

    return progress


def _write_meta(url: str, spec: Spec, seconds: float) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    f"CREATE TABLE {META} (spec_key TEXT, end_at TEXT, tenants INTEGER, "
                    "entries INTEGER, days INTEGER, seed INTEGER, load_seconds REAL)"
                )
            )
            conn.execute(
                text(f"INSERT INTO {META} VALUES (:k, :e, :t, :n, :d, :s, :l)"),
                {
                    "k": spec.key,
                    "e": spec.end.isoformat(),
                    "t": spec.tenants,
                    "n": spec.entries,
                    "d": spec.days,
                    "s": spec.seed,
                    "l": seconds,
                },
            )
    finally:
        engine.dispose()


def _read_meta(url: str) -> tuple[Spec, float] | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(f"SELECT end_at, tenants, entries, days, seed, load_seconds FROM {META}")
            ).first()
    except Exception:  # no table: the load never completed
        return None
    finally:
        engine.dispose()
    if row is None:
        return None
    end = datetime.fromisoformat(row[0])
    return Spec(row[2], end, tenants=row[1], seed=row[4], days=row[3]), float(row[5])
