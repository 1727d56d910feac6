"""Scenario 9's throughput rounds: enough for a ratio in the measured runs, one in the tiny run
(the test suite's), which proves only that the scenario runs and reports."""

from __future__ import annotations

from benchmarks.config import SCALES
from benchmarks.scenarios.streams import throughput_rounds


def test_the_measured_runs_alternate_at_least_three_rounds() -> None:
    assert throughput_rounds(SCALES["full"]) >= 3
    assert throughput_rounds(SCALES["quick"]) >= 3


def test_the_tiny_run_measures_one_round() -> None:
    assert throughput_rounds(SCALES["tiny"]) == 1
