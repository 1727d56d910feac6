"""Scenario 9's throughput rounds: enough for a ratio in the measured runs, one in the tiny run
(the test suite's), which proves only that the scenario runs and reports."""

from __future__ import annotations

import pytest

from benchmarks.config import SCALES
from benchmarks.scenarios.streams import paired_ratio, throughput_rounds


def test_the_measured_runs_alternate_at_least_three_rounds() -> None:
    assert throughput_rounds(SCALES["full"]) >= 5
    assert throughput_rounds(SCALES["quick"]) >= 3


def test_the_tiny_run_measures_one_round() -> None:
    assert throughput_rounds(SCALES["tiny"]) == 1


def test_the_ratio_is_taken_round_by_round_so_a_drifting_machine_does_not_skew_it() -> None:
    # Each round's two runs went back to back: ratios 0.95, 1.4 (a noisy round) and 0.96, whose
    # median is 0.96. The machine's speed moved between the rounds, so the runs' medians (700
    # and 500 req/s) pair runs of different rounds, and would give 1.4.
    with_ = [950.0, 700.0, 480.0]
    without = [1000.0, 500.0, 500.0]
    assert paired_ratio(with_, without) == pytest.approx(0.96)
