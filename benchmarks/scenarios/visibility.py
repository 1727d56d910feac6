"""Scenario 4: how soon a read shows up in the log — from the read's response to the query API
returning its entry — on an idle server and under a steady read load.

Each probe lists groups with a unique marker in its query string, then polls the audit-log
search (`q` = the marker) every `POLL_S` until the entry appears.
"""

from __future__ import annotations

import random
import time
import uuid

import httpx

from benchmarks.context import Context
from benchmarks.fixtures import ApiFixture, api_fixture
from benchmarks.loadgen import start_load
from benchmarks.report import Section
from benchmarks.scenarios.api_cost import requests
from benchmarks.server import Server
from benchmarks.stats import ms, percentile

POLL_S = 0.005
TARGET_P99_S = 1.0
TIMEOUT_S = 30.0
LOAD_CONNECTIONS = 4


def run(ctx: Context) -> Section:
    section = Section(
        key="visibility",
        title=f"4. Visibility of a read in the log ({ctx.scale.visibility_probes} probes, "
        f"polling every {POLL_S * 1000:g} ms)",
        columns=["db", "server", "p50 ms", "p99 ms", "max ms"],
    )
    for kind in ctx.kinds:
        with ctx.target.scratch(kind, "visibility") as url:
            fixture = api_fixture(url)
            with Server(url, audit=True) as server:
                for loaded in (False, True):
                    label = f"under read load ({LOAD_CONNECTIONS} conns)" if loaded else "idle"
                    ctx.log(f"visibility {kind}: {label}")
                    samples = _probe(ctx, server, fixture, loaded)
                    section.add(
                        {
                            "db": kind,
                            "server": label,
                            "p50 ms": ms(percentile(samples, 50)),
                            "p99 ms": ms(percentile(samples, 99)),
                            "max ms": ms(max(samples)),
                        }
                    )
    p99s = [r["p99 ms"] for r in section.rows]
    section.check(
        f"visibility p99 <= {TARGET_P99_S * 1000:g} ms",
        all(isinstance(p, float) and p <= TARGET_P99_S * 1000 for p in p99s) if p99s else None,
    )
    section.notes.append(
        "reads are written in batches at most the writer's flush interval "
        "(CALLMANAGER_AUDIT_FLUSH_INTERVAL_S, default 0.2 s) after they finish"
    )
    return section


def _probe(ctx: Context, server: Server, fixture: ApiFixture, loaded: bool) -> list[float]:
    base = f"/api/v1/tenants/{fixture.tenant_id}"
    load = None
    if loaded:
        load = start_load(
            server.port, [requests(fixture, "read", c) for c in range(LOAD_CONNECTIONS)]
        )
        time.sleep(0.5)
    rng = random.Random(ctx.seed)
    samples: list[float] = []
    try:
        with httpx.Client(
            base_url=server.base_url, headers=fixture.caller.headers, timeout=30
        ) as client:
            for _ in range(ctx.scale.visibility_probes):
                marker = f"probe{uuid.uuid4().hex}"
                client.get(f"{base}/groups", params={"probe": marker}).raise_for_status()
                answered = time.perf_counter()
                search = {"action_type": "read", "resource_type": "group", "q": marker}
                while True:
                    found = client.get(f"{base}/audit-log", params=search)
                    found.raise_for_status()
                    if found.json()["items"]:
                        samples.append(time.perf_counter() - answered)
                        break
                    if time.perf_counter() - answered > TIMEOUT_S:
                        raise RuntimeError(f"entry {marker} not visible after {TIMEOUT_S} s")
                    time.sleep(POLL_S)
                # Start the next probe at a random phase of the writer's flush timer.
                time.sleep(rng.uniform(0, 0.05))
    finally:
        if load is not None:
            load.terminate()
            load.wait()
    return samples
