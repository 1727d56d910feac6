"""The scheduler: each job runs after its first delay, then on its interval, despite failures."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from callmanager.tasks.scheduler import Scheduled, Scheduler

TICK = timedelta(milliseconds=10)


def test_a_job_runs_first_after_its_delay_and_then_every_interval() -> None:
    runs: list[float] = []

    async def job() -> None:
        runs.append(asyncio.get_running_loop().time())

    async def scenario() -> None:
        scheduler = Scheduler([Scheduled("tick", job, every=TICK, first_after=TICK)])
        await scheduler.start()
        assert scheduler.running
        await asyncio.sleep(0.2)
        await scheduler.stop()
        assert not scheduler.running

    asyncio.run(scenario())
    assert len(runs) >= 3


def test_a_failing_run_is_logged_and_the_next_one_still_happens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0

    async def job() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("boom")

    async def scenario() -> None:
        scheduler = Scheduler([Scheduled("flaky", job, every=TICK, first_after=TICK)])
        await scheduler.start()
        await asyncio.sleep(0.15)
        await scheduler.stop()

    with caplog.at_level(logging.ERROR, logger="callmanager.tasks.scheduler"):
        asyncio.run(scenario())
    assert runs >= 2
    assert "task flaky failed" in caplog.text


def test_stopping_cancels_a_job_waiting_for_its_first_run() -> None:
    ran = False

    async def job() -> None:
        nonlocal ran
        ran = True

    async def scenario() -> None:
        scheduler = Scheduler([Scheduled("later", job, first_after=timedelta(hours=1))])
        await scheduler.start()
        await asyncio.sleep(0)
        await scheduler.stop()

    asyncio.run(scenario())
    assert not ran


class _Report:
    """What a task returns: `ok` is false when part of the run failed (a tenant's call)."""

    def __init__(self, ok: bool) -> None:
        self.ok = ok


def _first_outcome(job: Callable[[], Awaitable[object]]) -> list[tuple[str, str]]:
    """The outcomes the scheduler tells of, up to its first run of `job`."""
    outcomes: list[tuple[str, str]] = []

    async def scenario() -> None:
        told = asyncio.Event()

        def on_run(task: str, outcome: str) -> None:
            outcomes.append((task, outcome))
            told.set()

        scheduler = Scheduler(
            [Scheduled("daily", job, every=timedelta(hours=1), first_after=TICK)], on_run=on_run
        )
        await scheduler.start()
        await asyncio.wait_for(told.wait(), timeout=5)
        await scheduler.stop()

    asyncio.run(scenario())
    return outcomes


@pytest.mark.parametrize(
    ("result", "outcome"),
    [(_Report(ok=True), "succeeded"), (_Report(ok=False), "failed"), (None, "succeeded")],
    ids=["report ok", "report with failures", "no report"],
)
def test_a_run_whose_report_says_part_of_it_failed_counts_as_failed(
    result: object, outcome: str
) -> None:
    """The `failed` outcome feeds the daily-task alert: a run that logged a tenant's failure
    and returned must not count as succeeded."""

    async def job() -> object:
        return result

    assert _first_outcome(job) == [("daily", outcome)]


def test_a_run_that_raises_counts_as_failed() -> None:
    async def job() -> None:
        raise RuntimeError("boom")

    assert _first_outcome(job) == [("daily", "failed")]
