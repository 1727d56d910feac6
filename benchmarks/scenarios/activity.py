"""Scenario 7: the activity chart over 30 days, through the HTTP API of the real service.

On the queries' dataset (1 M entries on SQLite, 5 M on PostgreSQL in the full run), the largest
tenant's whole 30 days are counted per day — every entry, then only modifications — by one
keep-alive client, `query_requests` times each; the same count in-process
(`AuditLog.activity`, no HTTP) is the baseline.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, timedelta

import httpx

from asgi_audit import AuditLog, SqlAuditStore, activity_query, parse_query
from benchmarks.context import Context
from benchmarks.datasets import Dataset, ensure, release
from benchmarks.fixtures import add_caller
from benchmarks.report import Section
from benchmarks.server import SECRET_KEY, Server
from benchmarks.stats import ms, percentile
from callmanager.auth.principal import Role

TARGET_P95_MS = 50.0
CASES = {"30 days, all": "all", "30 days, modifications": "modifications"}


def run(ctx: Context) -> Section:
    section = Section(
        key="activity",
        title="7. Activity chart, 30 days by day (largest tenant; HTTP API, one keep-alive "
        f"client, {ctx.scale.query_requests} requests a case)",
        columns=[
            "db",
            "entries",
            "tenant entries",
            "case",
            "buckets",
            "p50 ms",
            "p95 ms",
            "engine p50 ms",
        ],
    )
    for kind in ctx.kinds:
        dataset = ensure(ctx, kind, "queries", ctx.scale.query_rows[kind], ctx.scale.tenants)
        try:
            _measure(ctx, section, dataset)
        finally:
            release(ctx, dataset)
    p95s = [r["p95 ms"] for r in section.rows]
    section.check(
        f"p95 <= {TARGET_P95_MS:g} ms over 30 days",
        all(isinstance(p, float) and p <= TARGET_P95_MS for p in p95s) if p95s else None,
    )
    section.notes.append(
        "engine p50 = the same count in-process (AuditLog.activity: the hourly rollup "
        "audit_activity, plus a scan of the partial hours and pending entries), the baseline; "
        "the rest is HTTP, auth, the tenant lookup, JSON, and recording the read"
    )
    return section


def _measure(ctx: Context, section: Section, dataset: Dataset) -> None:
    tenant = dataset.tenant_ids[0]
    caller = add_caller(
        dataset.url, [tenant], Role.READER, f"charter-{uuid.uuid4().hex[:8]}@bench.example"
    )
    end = dataset.spec.end.astimezone(UTC)
    start = end - timedelta(days=30)
    window = {"from": start.isoformat(), "to": (end + timedelta(seconds=1)).isoformat()}
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    totals: dict[str, int] = {}
    buckets: dict[str, int] = {}
    with Server(dataset.url, audit=True) as server:
        base = f"/api/v1/tenants/{tenant}/audit-log/activity"
        with httpx.Client(base_url=server.base_url, headers=caller.headers, timeout=60) as client:
            ctx.log(f"activity {dataset.kind}: warming up")
            for action_type in CASES.values():
                client.get(base, params={**window, "action_type": action_type}).raise_for_status()
            for _ in range(ctx.scale.query_requests):
                for name, action_type in CASES.items():
                    started = time.perf_counter()
                    response = client.get(base, params={**window, "action_type": action_type})
                    samples[name].append(time.perf_counter() - started)
                    response.raise_for_status()
                    chart = response.json()
                    totals[name] = chart["totals"]["total"]
                    buckets[name] = len(chart["buckets"])
    engine = _engine_samples(dataset, tenant, window, max(3, ctx.scale.query_requests // 4))
    for name in CASES:
        section.add(
            {
                "db": dataset.kind,
                "entries": dataset.spec.entries,
                "tenant entries": totals.get("30 days, all"),
                "case": name,
                "buckets": buckets.get(name),
                "p50 ms": ms(percentile(samples[name], 50)),
                "p95 ms": ms(percentile(samples[name], 95)),
                "engine p50 ms": ms(percentile(engine[name], 50)),
            }
        )


def _engine_samples(
    dataset: Dataset, tenant: uuid.UUID, window: dict[str, str], rounds: int
) -> dict[str, list[float]]:
    store = SqlAuditStore.from_url(dataset.url)
    log = AuditLog(store, cursor_key=SECRET_KEY.encode())
    found: dict[str, list[float]] = {name: [] for name in CASES}
    try:
        for _ in range(rounds):
            for name, action_type in CASES.items():
                criteria = parse_query(
                    tenant, action_type=action_type, start=window["from"], end=window["to"]
                ).criteria
                started = time.perf_counter()
                log.activity(activity_query(criteria, "auto", UTC))
                found[name].append(time.perf_counter() - started)
    finally:
        store.close()
    return found
