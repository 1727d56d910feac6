"""Scenario 1: what auditing costs the API, audit on against audit off, on each database.

Two servers of the same build run side by side on one database, one with the audit middleware
and one without (`CALLMANAGER_AUDIT_ENABLED=false`); a load generator in another process drives
one at a time, alternating which goes first each round, so drift on the shared machine hits both.
"""

from __future__ import annotations

from dataclasses import asdict

import orjson

from benchmarks.context import Context
from benchmarks.fixtures import ApiFixture, api_fixture
from benchmarks.loadgen import LoadResult, Request, run_load
from benchmarks.report import Section
from benchmarks.server import Server, started
from benchmarks.stats import median, ratio

OPERATIONS = {"read": "list groups (GET)", "edit": "edit a group (PATCH)"}
TARGETS = {"read": 0.85, "edit": 0.7}
EDITS_PER_CONNECTION = 32


def requests(fixture: ApiFixture, operation: str, connection: int) -> list[Request]:
    """What one connection sends, cycled: the group list, or edits of its own group."""
    base = f"/api/v1/tenants/{fixture.tenant_id}/groups"
    headers = fixture.caller.headers
    if operation == "read":
        return [Request("GET", base, headers)]
    group_id = fixture.group_ids[connection % len(fixture.group_ids)]
    # Each edit changes the description, so every request really updates the row.
    return [
        Request(
            "PATCH",
            f"{base}/{group_id}",
            {**headers, "Content-Type": "application/json"},
            orjson.dumps({"description": f"Edited by connection {connection}, edit {n}"}),
        )
        for n in range(EDITS_PER_CONNECTION)
    ]


def run(ctx: Context) -> Section:
    section = Section(
        key="api",
        title="1. API cost of auditing (uvicorn, 1 worker; closed loop, "
        f"{ctx.scale.connections} connections, {ctx.scale.load_seconds:g} s x "
        f"{ctx.scale.rounds} rounds)",
        columns=[
            "db",
            "operation",
            "off req/s",
            "on req/s",
            "ratio",
            "off p50 ms",
            "on p50 ms",
            "off p99 ms",
            "on p99 ms",
            "errors",
        ],
    )
    for kind in ctx.kinds:
        with ctx.target.scratch(kind, "api") as url:
            fixture = api_fixture(url)
            _measure(ctx, section, kind, url, fixture)
    for operation, floor in TARGETS.items():
        ratios = [r["ratio"] for r in section.rows if r["operation"] == OPERATIONS[operation]]
        met = all(isinstance(r, float) and r >= floor for r in ratios) if ratios else None
        section.check(f"audit on/off throughput ratio >= {floor} for {operation}s", met)
    section.notes.append(
        "ratio = on req/s / off req/s, from the median round; "
        "calls use a session cookie (as the web UI does)"
    )
    return section


def _measure(ctx: Context, section: Section, kind: str, url: str, fixture: ApiFixture) -> None:
    scale = ctx.scale
    results: dict[tuple[str, str], list[LoadResult]] = {}
    with started(Server(url, audit=False), Server(url, audit=True)) as (off, on):
        servers = {"off": off, "on": on}
        for n in range(scale.rounds):
            order = ("off", "on") if n % 2 == 0 else ("on", "off")
            for operation in OPERATIONS:
                for mode in order:
                    ctx.log(f"api {kind} round {n + 1}: {operation}, audit {mode}")
                    result = run_load(
                        servers[mode].port,
                        [requests(fixture, operation, c) for c in range(scale.connections)],
                        seconds=scale.load_seconds,
                        warmup=scale.warmup_seconds,
                    )
                    results.setdefault((operation, mode), []).append(result)
    for operation, label in OPERATIONS.items():
        off_runs, on_runs = results[(operation, "off")], results[(operation, "on")]
        off_rps = median([r.rps for r in off_runs])
        on_rps = median([r.rps for r in on_runs])
        section.add(
            {
                "db": kind,
                "operation": label,
                "off req/s": off_rps,
                "on req/s": on_rps,
                "ratio": round(ratio(on_rps, off_rps), 3),
                "off p50 ms": median([r.p50_ms for r in off_runs]),
                "on p50 ms": median([r.p50_ms for r in on_runs]),
                "off p99 ms": median([r.p99_ms for r in off_runs]),
                "on p99 ms": median([r.p99_ms for r in on_runs]),
                "errors": sum(r.errors for r in off_runs + on_runs),
            }
        )
        section.details.setdefault("rounds", {})[f"{kind}/{operation}"] = {
            "off": [asdict(r) for r in off_runs],
            "on": [asdict(r) for r in on_runs],
        }
