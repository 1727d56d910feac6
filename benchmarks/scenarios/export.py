"""Scenario 5: streaming a large export as JSON Lines and as CSV — entries/s, and the server's
peak memory, which must stay flat as the export grows (100 k against 1 M entries).

One tenant holds the whole dataset. Each format gets a freshly started server, which exports
the small then the large range; its RSS is sampled from /proc every `SAMPLE_S`, and the
kernel's own peak (VmHWM, reset before each export) is read at the end.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import psycopg

from benchmarks.context import Context
from benchmarks.datasets import Dataset, ensure, release
from benchmarks.fixtures import add_caller
from benchmarks.load import COLUMNS, libpq_url, sqlite_path
from benchmarks.report import Section
from benchmarks.server import Server, started
from benchmarks.stats import ratio
from callmanager.auth.principal import Role

SAMPLE_S = 0.01
TARGET_RATE = 100_000
TARGET_GROWTH = 1.2
FORMATS = ("jsonl", "csv")
MB = 1024 * 1024


def run(ctx: Context) -> Section:
    section = Section(
        key="export",
        title="5. Export (one tenant; GET .../audit-log/export, streamed by one client)",
        columns=[
            "db",
            "format",
            "asked",
            "rows",
            "seconds",
            "rows/s",
            "MB/s",
            "raw rows/s",
            "ratio",
            "idle RSS MB",
            "peak RSS MB",
        ],
    )
    small, large = ctx.scale.export_rows
    for kind in ctx.kinds:
        dataset = ensure(ctx, kind, "export", large, 1)
        try:
            _measure(ctx, section, dataset, (small, large))
        finally:
            release(ctx, dataset)
    jsonl = [r for r in section.rows if r["format"] == "jsonl" and r["asked"] == large]
    section.check(
        f"JSON Lines export >= {TARGET_RATE:,} entries/s",
        all(_num(r["rows/s"]) >= TARGET_RATE for r in jsonl) if jsonl else None,
    )
    growth = section.details.get("peak_growth", {})
    short = [r for r in section.rows if _num(r["rows"]) < _num(r["asked"]) * 0.99]
    section.check(
        f"peak memory flat: peak at {large:,} <= {TARGET_GROWTH} x peak at {small:,}",
        # Only a large export that really was large says anything about growth.
        all(g <= TARGET_GROWTH for g in growth.values()) if growth and not short else None,
    )
    section.notes.append(
        "raw = the same rows streamed in-process by the driver alone (one cursor, orjson, "
        "1,000-line chunks): the baseline; ratio = API rows/s / raw rows/s"
    )
    if short:
        section.notes.append(
            "some exports returned fewer rows than asked: the endpoint caps an export "
            "(EXPORT_MAX_ENTRIES), so memory growth to the large size is not measured; "
            "see docs/performance.md"
        )
    return section


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _measure(ctx: Context, section: Section, dataset: Dataset, sizes: tuple[int, int]) -> None:
    tenant = dataset.tenant_ids[0]
    caller = add_caller(
        dataset.url, [tenant], Role.READER, f"exporter-{uuid.uuid4().hex[:8]}@bench.example"
    )
    spec = dataset.spec
    peaks: dict[tuple[str, int], float] = {}
    raw: dict[int, float] = {}
    # One fresh server per format (started together); the kernel's peak-RSS counter is reset
    # before each export.
    servers = [Server(dataset.url, audit=True) for _ in FORMATS]

    def newest(size: int, fmt: str) -> dict[str, str]:
        # Entries are evenly spread over the dataset's days: export the newest `size`.
        span = timedelta(days=spec.days) * (size / spec.entries)
        return {
            "format": fmt,
            "action_type": "all",
            "from": (spec.end - span).isoformat(),
            "to": (spec.end + timedelta(seconds=1)).isoformat(),
        }

    # Warm-up: one unmeasured read of the largest range, so that no export (or baseline) pays
    # for bringing the dataset into the page cache, whichever runs first.
    ctx.log(f"export {dataset.kind}: warming up")
    _raw_rate(dataset, tenant, newest(sizes[-1], "jsonl"), sizes[-1])
    with started(*servers):
        for fmt, server in zip(FORMATS, servers, strict=True):
            for size in sizes:
                params = newest(size, fmt)
                ctx.log(f"export {dataset.kind}: {size:,} as {fmt}")
                rows, size_bytes, seconds, idle, peak = _export(
                    server, tenant, caller.headers, params
                )
                if fmt == "csv":
                    rows -= 1  # the header line
                peaks[(fmt, size)] = peak
                if size not in raw:
                    raw[size] = _raw_rate(dataset, tenant, params, rows)
                section.add(
                    {
                        "db": dataset.kind,
                        "format": fmt,
                        "asked": size,
                        "rows": rows,
                        "seconds": round(seconds, 2),
                        "rows/s": round(rows / seconds),
                        "MB/s": round(size_bytes / MB / seconds, 1),
                        "raw rows/s": round(raw[size]),
                        "ratio": round(ratio(rows / seconds, raw[size]), 3),
                        "idle RSS MB": round(idle / MB, 1),
                        "peak RSS MB": round(peak / MB, 1),
                    }
                )
            growth = round(ratio(peaks[(fmt, sizes[1])], peaks[(fmt, sizes[0])]), 3)
            section.details.setdefault("peak_growth", {})[f"{dataset.kind}/{fmt}"] = growth


def _export(
    server: Server, tenant: uuid.UUID, headers: dict[str, str], params: dict[str, str]
) -> tuple[int, int, float, int, int]:
    """(lines, bytes, seconds, RSS before, peak RSS during) of one streamed export."""
    idle, _ = server.rss_bytes()
    server.reset_peak()
    peak = [idle]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], server.rss_bytes()[0])
            time.sleep(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = size = 0
    url = f"{server.base_url}/api/v1/tenants/{tenant}/audit-log/export"
    try:
        with httpx.Client(headers=headers, timeout=600) as client:
            started = time.perf_counter()
            with client.stream("GET", url, params=params) as response:
                response.raise_for_status()
                for chunk in response.iter_raw(1 << 16):
                    lines += chunk.count(b"\n")
                    size += len(chunk)
            seconds = time.perf_counter() - started
    finally:
        done.set()
        sampler.join()
    _, hwm = server.rss_bytes()
    return lines, size, seconds, idle, max(peak[0], hwm)


LIST_COLUMNS = [c for c in COLUMNS if c not in ("request", "response")]


def _raw_rate(dataset: Dataset, tenant: uuid.UUID, params: dict[str, str], rows: int) -> float:
    """The baseline: the same newest `rows` entries streamed by the raw driver (one cursor, no
    pages) and written as JSON Lines with orjson, in 1,000-line chunks, in-process."""
    start = datetime.fromisoformat(params["from"])
    end = datetime.fromisoformat(params["to"])
    select = (
        f"SELECT {', '.join(LIST_COLUMNS)} FROM audit_entries WHERE tenant_id = {{0}} "
        "AND occurred_at >= {0} AND occurred_at < {0} ORDER BY occurred_at DESC, id DESC"
    )
    started = time.perf_counter()
    if dataset.kind == "sqlite":
        lite = sqlite3.connect(sqlite_path(dataset.url))
        try:
            stamp = "%Y-%m-%d %H:%M:%S.%f"
            rows_of = lite.execute(
                select.format("?"),
                (
                    tenant.hex,
                    start.astimezone(UTC).strftime(stamp),
                    end.astimezone(UTC).strftime(stamp),
                ),
            )
            count = _write_lines(rows_of, rows)
        finally:
            lite.close()
    else:
        with psycopg.connect(libpq_url(dataset.url)) as pg, pg.cursor(name="export") as named:
            named.itersize = 2_000
            named.execute(select.format("%s"), (tenant, start, end))
            count = _write_lines(named, rows)
    return count / (time.perf_counter() - started)


def _write_lines(cursor: Iterable[tuple[Any, ...]], limit: int) -> int:
    count = 0
    chunk: list[bytes] = []
    for row in cursor:
        entry = dict(zip(LIST_COLUMNS, row, strict=True))
        chunk.append(orjson.dumps(entry, default=str, option=orjson.OPT_UTC_Z))
        count += 1
        if len(chunk) == 1_000 or count == limit:
            sent = b"\n".join(chunk) + b"\n"  # the bytes a response would send
            del sent
            chunk = []
        if count == limit:
            break
    return count
