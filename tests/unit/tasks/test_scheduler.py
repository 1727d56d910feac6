"""The scheduler: each job runs after its first delay, then on its interval, despite failures."""

from __future__ import annotations

import asyncio
import logging
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
