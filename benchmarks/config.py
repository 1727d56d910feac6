"""How big each run is: the full run of `make bench`, `--quick`, and `--tiny` for the test suite."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: the load generator and servers run from here."""
DATA_DIR = ROOT / "var" / "bench"
"""Where datasets are kept between runs (`--data-dir`)."""

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCENARIOS = (
    "api",
    "writer",
    "queries",
    "visibility",
    "export",
    "tlog",
    "activity",
    "scaling",
    "streams",
)


@dataclass(frozen=True, slots=True)
class Scale:
    """Sizes and durations of one kind of run."""

    name: str
    load_seconds: float
    """Measured duration of each load run of scenario 1 (after warm-up)."""
    warmup_seconds: float
    rounds: int
    """Scenario 1 alternates audit off/on this many times; the median round counts."""
    connections: int
    writer_rows: int
    query_rows: dict[str, int]
    """Entries in the scenario 3 dataset, per database."""
    query_requests: int
    """Timed requests per query case (the issue asks for at least 200)."""
    visibility_probes: int
    export_rows: tuple[int, int]
    """The small and the large export, to compare peak memory."""
    tenants: int = 1000


FULL = Scale(
    name="full",
    load_seconds=8.0,
    warmup_seconds=1.5,
    rounds=3,
    connections=8,
    writer_rows=100_000,
    query_rows={"sqlite": 1_000_000, "postgres": 5_000_000},
    query_requests=200,
    visibility_probes=200,
    export_rows=(100_000, 1_000_000),
)
QUICK = Scale(
    name="quick",
    load_seconds=1.0,
    warmup_seconds=0.3,
    rounds=1,
    connections=8,
    writer_rows=5_000,
    query_rows={"sqlite": 10_000, "postgres": 10_000},
    query_requests=20,
    visibility_probes=8,
    export_rows=(1_000, 5_000),
)
TINY = Scale(
    name="tiny",
    load_seconds=0.4,
    warmup_seconds=0.1,
    rounds=1,
    connections=4,
    writer_rows=1_000,
    query_rows={"sqlite": 2_000, "postgres": 2_000},
    query_requests=3,
    visibility_probes=3,
    export_rows=(200, 1_000),
    tenants=50,
)
SCALES = {s.name: s for s in (FULL, QUICK, TINY)}

KEEP_DATASETS_FROM = 100_000
"""Datasets at least this big are kept for the next run (`--clean` removes them); smaller
ones are cheaper to rebuild than to keep."""


def postgres_server_url() -> str:
    """Where benchmark databases are created: `CALLMANAGER_BENCH_POSTGRES_URL`, else the test
    server's URL, else the local default."""
    return (
        os.environ.get("CALLMANAGER_BENCH_POSTGRES_URL")
        or os.environ.get("CALLMANAGER_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES_URL
    )
