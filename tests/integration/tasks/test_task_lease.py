"""A scheduled task's day belongs to one process: the first to take its lease runs it, every
other process on the database skips it, and the next day is free again."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from callmanager.db import make_engine, make_session_factory
from callmanager.tasks.lease import DailyLease
from callmanager.tasks.models import TaskLease
from callmanager.tasks.scheduler import Scheduled, Scheduler
from tests.waiting import until

DAY = date(2026, 11, 30)
TICK = timedelta(milliseconds=10)


def test_only_the_first_process_takes_a_day_and_keeps_it(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine)
        first, second = DailyLease(sessions), DailyLease(sessions)
        assert first.holder != second.holder
        assert first.take("holiday-migration", DAY)
        assert not second.take("holiday-migration", DAY)
        assert first.take("holiday-migration", DAY)  # its own lease: still its to run
        assert second.take("holiday-migration", DAY + timedelta(days=1))
        assert second.take("audit-retention", DAY)
        assert first.holder_of("holiday-migration", DAY) == first.holder
    finally:
        engine.dispose()


def test_schedulers_of_several_processes_run_a_daily_task_once(database_url: str) -> None:
    """Three schedulers, each with its own lease holder, check often: one run in all."""
    engine = make_engine(database_url)
    runs: list[str] = []
    outcomes: list[tuple[str, str]] = []

    def scheduler(name: str) -> Scheduler:
        async def job() -> None:
            runs.append(name)

        return Scheduler(
            [Scheduled("daily", job, first_after=TICK, check_every=TICK)],
            lease=DailyLease(make_session_factory(engine)),
            on_run=lambda task, outcome: outcomes.append((task, outcome)),
            clock=lambda: datetime(2026, 11, 30, 9, tzinfo=UTC),
        )

    async def scenario() -> None:
        schedulers = [scheduler(name) for name in "abc"]
        for each in schedulers:
            await each.start()
        await until(lambda: len(outcomes) >= 3)
        await asyncio.sleep(0.1)  # time for a wrong second run to show
        for each in schedulers:
            await each.stop()

    try:
        asyncio.run(scenario())
        with make_session_factory(engine)() as db:
            leases = db.scalar(select(func.count()).select_from(TaskLease))
    finally:
        engine.dispose()
    assert len(runs) == 1
    assert sorted(outcomes) == [("daily", "skipped")] * 2 + [("daily", "succeeded")]
    assert leases == 1


def test_a_new_day_is_run_again(database_url: str) -> None:
    engine = make_engine(database_url)
    runs: list[date] = []
    today = [datetime(2026, 11, 30, 23, 59, tzinfo=UTC)]

    async def job() -> None:
        runs.append(today[0].date())

    async def scenario() -> None:
        each = Scheduler(
            [Scheduled("daily", job, first_after=TICK, check_every=TICK)],
            lease=DailyLease(make_session_factory(engine)),
            clock=lambda: today[0],
        )
        await each.start()
        await until(lambda: len(runs) == 1)
        today[0] += timedelta(minutes=2)
        await until(lambda: len(runs) == 2)
        await asyncio.sleep(0.1)  # time for a wrong third run to show
        await each.stop()

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
    assert runs == [date(2026, 11, 30), date(2026, 12, 1)]
