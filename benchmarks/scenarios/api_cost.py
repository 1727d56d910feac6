"""Scenario 1: what a call costs against the framework floor, and what auditing adds to it.

Two servers of the same build run side by side on one database, one with the audit middleware
and one without (`CALLMANAGER_AUDIT_ENABLED=false`); a load generator in another process drives
one at a time, alternating which goes first each round, so drift on the shared machine hits both.
Each server's **framework floor** is its own cheapest answer (an unauthenticated
`GET /api/v1/auth/me`, a 401 problem: routing, middleware, a JSON body, no database), measured in
the same round, so every row also reads as a share of what the framework allows.
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

FLOOR = "floor"
OPERATIONS = {
    FLOOR: "framework floor (GET /auth/me, no credential: 401)",
    "read": "list groups (GET), session cookie",
    "read-bearer": "list groups (GET), Bearer token",
    "edit": "edit a group (PATCH), session cookie",
}
AUDIT_TARGETS = {"read": 0.85, "read-bearer": 0.85, "edit": 0.75}
"""Audit on/off throughput, at least."""
FLOOR_TARGETS = {"sqlite": 0.5, "postgres": 0.4}
"""Authenticated list groups with the audit log on, as a share of the floor, at least."""
LATENCY_TARGETS_MS = {"sqlite": 1.0, "postgres": 1.5}
"""Authenticated list groups with the audit log on, p50 at one connection, at most."""
READS = ("read", "read-bearer")
EDITS_PER_CONNECTION = 32
EXPECTED = {FLOOR: 401}
"""The status each operation answers with when it works (200 unless named)."""


def requests(fixture: ApiFixture, operation: str, connection: int) -> list[Request]:
    """What one connection sends, cycled: the floor, the group list, or edits of its own group."""
    base = f"/api/v1/tenants/{fixture.tenant_id}/groups"
    headers = fixture.caller.headers
    if operation == FLOOR:
        return [Request("GET", "/api/v1/auth/me")]
    if operation == "read":
        return [Request("GET", base, headers)]
    if operation == "read-bearer":
        return [Request("GET", base, fixture.caller.bearer_headers)]
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
        title="1. API cost against the framework floor, and of auditing (uvicorn, 1 worker; "
        f"closed loop, {ctx.scale.connections} connections, {ctx.scale.load_seconds:g} s x "
        f"{ctx.scale.rounds} rounds)",
        columns=[
            "db",
            "operation",
            "off req/s",
            "on req/s",
            "ratio",
            "off/floor",
            "on/floor",
            "off p50 ms",
            "on p50 ms",
            "off p99 ms",
            "on p99 ms",
            "on p50 ms, 1 conn",
            "errors",
        ],
    )
    for kind in ctx.kinds:
        with ctx.target.scratch(kind, "api") as url:
            fixture = api_fixture(url)
            _measure(ctx, section, kind, url, fixture)
    _check(section)
    section.notes.append(
        "ratio = on req/s / off req/s; off/floor and on/floor = req/s / that server's floor req/s; "
        "from the median round; '1 conn' is one keep-alive connection against the audited server"
    )
    return section


def _check(section: Section) -> None:
    rows = {(r["db"], r["operation"]): r for r in section.rows}
    kinds = sorted({str(r["db"]) for r in section.rows})
    for operation, floor in AUDIT_TARGETS.items():
        ratios = [rows[(k, OPERATIONS[operation])]["ratio"] for k in kinds]
        met = all(isinstance(r, float) and r >= floor for r in ratios) if ratios else None
        section.check(f"audit on/off throughput ratio >= {floor} for {OPERATIONS[operation]}", met)
    for kind in kinds:
        shares = [rows[(kind, OPERATIONS[op])]["on/floor"] for op in READS]
        least = FLOOR_TARGETS.get(kind, 0.5)
        section.check(
            f"{kind}: authenticated list groups, audit on, >= {least} of the floor",
            all(isinstance(s, float) and s >= least for s in shares),
        )
        p50s = [rows[(kind, OPERATIONS[op])]["on p50 ms, 1 conn"] for op in READS]
        most = LATENCY_TARGETS_MS.get(kind, 1.0)
        section.check(
            f"{kind}: authenticated list groups, audit on, p50 <= {most} ms at one connection",
            all(isinstance(p, float) and p <= most for p in p50s),
        )


def _errors(operation: str, runs: list[LoadResult]) -> int:
    expected = str(EXPECTED.get(operation, 200))
    return sum(n for r in runs for status, n in r.statuses.items() if status != expected)


def _measure(ctx: Context, section: Section, kind: str, url: str, fixture: ApiFixture) -> None:
    scale = ctx.scale
    results: dict[tuple[str, str], list[LoadResult]] = {}
    single: dict[str, LoadResult] = {}
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
        for operation in OPERATIONS:
            ctx.log(f"api {kind}: {operation}, audit on, one connection")
            single[operation] = run_load(
                on.port,
                [requests(fixture, operation, 0)],
                seconds=scale.load_seconds,
                warmup=scale.warmup_seconds,
            )
    floor = {mode: median([r.rps for r in results[(FLOOR, mode)]]) for mode in ("off", "on")}
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
                "off/floor": round(ratio(off_rps, floor["off"]), 3),
                "on/floor": round(ratio(on_rps, floor["on"]), 3),
                "off p50 ms": median([r.p50_ms for r in off_runs]),
                "on p50 ms": median([r.p50_ms for r in on_runs]),
                "off p99 ms": median([r.p99_ms for r in off_runs]),
                "on p99 ms": median([r.p99_ms for r in on_runs]),
                "on p50 ms, 1 conn": single[operation].p50_ms,
                "errors": _errors(operation, [*off_runs, *on_runs, single[operation]]),
            }
        )
        section.details.setdefault("rounds", {})[f"{kind}/{operation}"] = {
            "off": [asdict(r) for r in off_runs],
            "on": [asdict(r) for r in on_runs],
            "on, 1 connection": asdict(single[operation]),
        }
