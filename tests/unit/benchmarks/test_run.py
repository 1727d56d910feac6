"""`python -m benchmarks` end to end at the smallest size: every scenario runs and reports.

One run per scenario, so the test workers share them out rather than one worker running all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.config import SCENARIOS
from tests.databases import POSTGRES_URL_VAR

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_tiny_benchmark_runs_each_scenario_and_writes_its_json(
    scenario: str, tmp_path: Path
) -> None:
    out = tmp_path / "latest.json"
    postgres = os.environ.get(POSTGRES_URL_VAR)
    command = [sys.executable, "-m", "benchmarks", "--tiny", "--quiet", "--only", scenario]
    command += ["--out", str(out), "--data-dir", str(tmp_path / "data")]
    command += ["--postgres-url", postgres] if postgres else ["--db", "sqlite"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert set(result["scenarios"]) == {scenario}
    assert {"cpu_count", "python", "sqlite", "postgresql"} <= set(result["machine"])
    kinds = {"sqlite", "postgres"} if postgres else {"sqlite"}
    for key, section in result["scenarios"].items():
        assert {row["db"] for row in section["rows"]} == kinds, key
        assert section["checks"], key
    if scenario == "api":
        assert "== 1. API cost against the framework floor" in done.stdout
    assert not list((tmp_path / "data").glob("*.db")), "tiny datasets are not kept"
