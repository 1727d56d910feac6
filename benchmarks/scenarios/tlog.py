"""Scenario 6: the Merkle log at scale — proofs, online verification, checkpoint coverage.

On the queries' dataset (its logs built as the writer builds them), with the real service:

- **proof latency**: `GET …/audit-log/{entry_id}/proof` for random entries of the largest
  tenant, by one keep-alive client, against the engine's own `inclusion_proof` in-process;
- **online verification**: `LogVerifier` over the largest tenant, in one process and with one
  worker process per core, in entries/s;
- **coverage**: reads made at random moments, each timed from its request until a stored
  checkpoint covers its entry (the writer's flush, then the next checkpoint pass).
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from asgi_audit import SqlAuditStore
from asgi_audit.store.verify import LogVerifier
from benchmarks.context import Context
from benchmarks.datasets import Dataset, ensure, release
from benchmarks.fixtures import add_caller
from benchmarks.report import Section
from benchmarks.server import Server
from benchmarks.stats import ms, percentile
from callmanager.auth.principal import Role

PROOF_P95_MS = 20.0
VERIFY_RATE = 100_000
COVERAGE_P99_S = 15.0
INTERVAL_S = {"full": 10.0, "quick": 10.0, "tiny": 1.0}
"""The server's checkpoint interval: the default, but for the test suite's tiny run, which only
checks that the scenario runs and need not wait two whole intervals for its probes."""


def run(ctx: Context) -> Section:
    section = Section(
        key="tlog",
        title="6. The Merkle log (largest tenant of the queries' dataset)",
        columns=["db", "tenant entries", "measure", "value", "baseline", "target"],
    )
    for kind in ctx.kinds:
        dataset = ensure(ctx, kind, "queries", ctx.scale.query_rows[kind], ctx.scale.tenants)
        try:
            _measure(ctx, section, dataset)
        finally:
            release(ctx, dataset)
    section.check(
        f"proof p95 <= {PROOF_P95_MS:g} ms", _all(section, "proof p95 ms", PROOF_P95_MS, True)
    )
    section.check(
        f"online verify >= {VERIFY_RATE:,} entries/s (one worker per core)",
        _all(section, "verify entries/s, workers", VERIFY_RATE, False),
    )
    section.check(
        f"a checkpoint covers a new entry within {COVERAGE_P99_S:g} s (p99)",
        _all(section, "coverage p99 s", COVERAGE_P99_S, True),
    )
    section.notes.append(
        "proof baseline = the engine's inclusion_proof in-process (no HTTP); verify baseline = "
        f"one process; checkpoint interval {INTERVAL_S[ctx.scale.name]:g} s"
    )
    return section


def _all(section: Section, measure: str, limit: float, at_most: bool) -> bool | None:
    values = [r["value"] for r in section.rows if str(r["measure"]).startswith(measure)]
    if not values:
        return None
    return all(
        isinstance(v, float | int) and (v <= limit if at_most else v >= limit) for v in values
    )


def _measure(ctx: Context, section: Section, dataset: Dataset) -> None:
    tenant = dataset.tenant_ids[0]
    caller = add_caller(
        dataset.url, [tenant], Role.READER, f"reader-{uuid.uuid4().hex[:8]}@bench.example"
    )
    store = SqlAuditStore.from_url(dataset.url)
    try:
        size = _tree_size(store, tenant)
        row: dict[str, Any] = {"db": dataset.kind, "tenant entries": size}
        settings = {"audit_checkpoint_interval_s": str(INTERVAL_S[ctx.scale.name])}
        with (
            Server(dataset.url, audit=True, **settings) as server,
            httpx.Client(base_url=server.base_url, headers=caller.headers, timeout=60) as client,
        ):
            base = f"/api/v1/tenants/{tenant}/audit-log"
            ctx.log(f"tlog {dataset.kind}: waiting for the first checkpoint")
            signed = _wait_for_checkpoint(client, base)
            http, engine = _proofs(ctx, client, store, tenant, base, signed)
            section.add(
                row | _m("proof p50 ms", ms(percentile(http, 50)), ms(percentile(engine, 50)), "")
            )
            section.add(
                row
                | _m(
                    "proof p95 ms",
                    ms(percentile(http, 95)),
                    ms(percentile(engine, 95)),
                    f"<= {PROOF_P95_MS:g}",
                )
            )
            ctx.log(f"tlog {dataset.kind}: coverage probes")
            waits = _coverage(ctx, client, store, tenant, dataset.kind)
            section.add(row | _m("coverage p50 s", round(percentile(waits, 50), 2), None, ""))
            section.add(
                row
                | _m(
                    "coverage p99 s",
                    round(percentile(waits, 99), 2),
                    None,
                    f"<= {COVERAGE_P99_S:g}",
                )
            )
        ctx.log(f"tlog {dataset.kind}: verifying the largest tenant")
        alone = _verify_rate(store, tenant, 0)
        workers = os.cpu_count() or 1
        together = _verify_rate(store, tenant, workers)
        section.add(
            row
            | _m(
                f"verify entries/s, workers {workers}",
                round(together),
                round(alone),
                f">= {VERIFY_RATE:,}",
            )
        )
    finally:
        store.close()


def _m(measure: str, value: Any, baseline: Any, target: str) -> dict[str, Any]:
    return {"measure": measure, "value": value, "baseline": baseline, "target": target}


def _tree_size(store: SqlAuditStore, tenant: uuid.UUID) -> int:
    with store.engine.connect() as conn:
        found = conn.execute(
            text("SELECT count(*) FROM audit_leaves WHERE tenant_id = :t"),
            {"t": tenant.hex if not store.is_postgres else tenant},
        ).scalar_one()
    return int(found)


def _wait_for_checkpoint(client: httpx.Client, base: str, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"{base}/checkpoint")
        if response.status_code == 200:
            return int(response.text.split("\n")[1])
        time.sleep(0.5)
    raise RuntimeError("no checkpoint was signed")


def _proofs(
    ctx: Context,
    client: httpx.Client,
    store: SqlAuditStore,
    tenant: uuid.UUID,
    base: str,
    signed: int,
) -> tuple[list[float], list[float]]:
    # Only leaves whose entry is stored: the entries earlier runs recorded (the benchmark's
    # own calls) are removed before each run (`datasets.forget_runs`), their leaves stay.
    ids = {}
    for batch in store.leaves(tenant, 0, signed, 50_000):
        ids.update({leaf.seq: leaf.entry_id for leaf in batch if leaf.entry is not None})
    rng = random.Random(ctx.seed)
    present = sorted(ids)
    seqs = [rng.choice(present) for _ in range(ctx.scale.query_requests)]
    http: list[float] = []
    engine: list[float] = []
    client.get(f"{base}/{ids[seqs[0]]}/proof").raise_for_status()
    for seq in seqs:
        started = time.perf_counter()
        response = client.get(f"{base}/{ids[seq]}/proof", params={"tree_size": signed})
        http.append(time.perf_counter() - started)
        response.raise_for_status()
        started = time.perf_counter()
        store.inclusion_proof(tenant, seq, signed)
        engine.append(time.perf_counter() - started)
    return http, engine


def _coverage(
    ctx: Context, client: httpx.Client, store: SqlAuditStore, tenant: uuid.UUID, kind: str
) -> list[float]:
    """Each probe: a read at a random moment within two intervals, timed until a checkpoint
    covers its entry (found by a marker in its path)."""
    probes = max(10, ctx.scale.query_requests // 5)
    rng = random.Random(ctx.seed + 1)
    waits: list[float] = []
    lock = threading.Lock()
    key = tenant.hex if kind == "sqlite" else tenant
    engine = create_engine(store.engine.url)

    def probe(delay: float) -> None:
        time.sleep(delay)
        marker = uuid.uuid4().hex
        with engine.connect() as conn:
            # The probe's entry takes a place at or after the log's size now: looking among
            # those alone (by the (tenant, seq) index) keeps the lookup's own time, a scan of
            # the whole tenant at 5 M entries, out of the measure.
            size = conn.execute(
                text("SELECT size FROM audit_heads WHERE tenant_id = :t"), {"t": key}
            ).scalar_one()
            conn.rollback()
        started = time.monotonic()
        client.get(f"/api/v1/tenants/{tenant}/groups", params={"probe": marker})
        seq = None
        with engine.connect() as conn:
            while time.monotonic() - started < 120:
                if seq is None:
                    seq = conn.execute(
                        text(
                            "SELECT seq FROM audit_entries WHERE tenant_id = :t AND seq >= :s "
                            "AND path LIKE :p"
                        ),
                        {"t": key, "s": size, "p": f"%{marker}%"},
                    ).scalar()
                if seq is not None:
                    top = conn.execute(
                        text("SELECT max(size) FROM audit_checkpoints WHERE tenant_id = :t"),
                        {"t": key},
                    ).scalar()
                    if top is not None and top > seq:
                        with lock:
                            waits.append(time.monotonic() - started)
                        return
                conn.rollback()
                time.sleep(0.05)

    threads = [
        threading.Thread(target=probe, args=(rng.uniform(0, 2 * INTERVAL_S[ctx.scale.name]),))
        for _ in range(probes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    if len(waits) < probes:
        waits += [float("inf")] * (probes - len(waits))
    return waits


def _verify_rate(store: SqlAuditStore, tenant: uuid.UUID, workers: int) -> float:
    verifier = LogVerifier(store.engine, [], lambda _t: "", workers=workers)
    try:
        started = time.perf_counter()
        report = verifier.verify(tenant)
        return report.size / (time.perf_counter() - started)
    finally:
        verifier.close()
