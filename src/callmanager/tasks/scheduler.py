"""A small asyncio scheduler: each task runs a little after start-up and then on its interval.

Runs never overlap (one loop per task), a failing run is logged and the loop goes on, and stop()
cancels the loops and waits for them, so the service shuts down cleanly. A run that raises, or
whose report says part of it failed (`ok` false), is counted `failed`.

With a `DailyLease`, a task runs once per UTC day across every process on the database: each
process checks every `check_every` whether today's run is still free, and the one that takes
the day's lease runs it; the others skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from callmanager.tasks.lease import DailyLease

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
OnRun = Callable[[str, str], None]
"""Told of each run's outcome by task name: `succeeded`, `failed` or `skipped`."""


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A named job, its first run `first_after` start-up, then one run per `every`."""

    name: str
    job: Job
    every: timedelta = timedelta(days=1)
    first_after: timedelta = timedelta(minutes=1)
    check_every: timedelta = timedelta(hours=1)
    """With a lease: how often to check whether today's run is still to be made."""


class Scheduler:
    """Runs scheduled jobs in the event loop of the service."""

    def __init__(
        self,
        jobs: list[Scheduled],
        *,
        lease: DailyLease | None = None,
        on_run: OnRun | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.jobs = jobs
        self.lease = lease
        self.on_run = on_run
        self.clock = clock
        self._loops: list[asyncio.Task[None]] = []

    @property
    def running(self) -> bool:
        return any(not loop.done() for loop in self._loops)

    async def start(self) -> None:
        for scheduled in self.jobs:
            loop = asyncio.create_task(self._loop(scheduled), name=f"task:{scheduled.name}")
            self._loops.append(loop)
        logger.info("scheduler started: %s", ", ".join(j.name for j in self.jobs) or "no tasks")

    async def stop(self) -> None:
        loops, self._loops = self._loops, []
        for loop in loops:
            loop.cancel()
        for loop in loops:
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        logger.info("scheduler stopped")

    async def _loop(self, scheduled: Scheduled) -> None:
        delay = scheduled.first_after
        ran: date | None = None
        while True:
            await asyncio.sleep(delay.total_seconds())
            if self.lease is None:
                await self._run(scheduled)
                delay = scheduled.every
                continue
            delay = scheduled.check_every
            today = self.clock().date()
            if ran == today:
                continue
            try:
                taken = await asyncio.to_thread(self.lease.take, scheduled.name, today)
            except Exception:
                logger.exception("task %s: its lease could not be taken; retrying", scheduled.name)
                continue
            ran = today
            if taken:
                await self._run(scheduled)
            else:
                logger.info("task %s: another process runs it today", scheduled.name)
                self._count(scheduled.name, "skipped")

    async def _run(self, scheduled: Scheduled) -> None:
        try:
            report = await scheduled.job()
        except Exception:
            logger.exception("task %s failed; next run in %s", scheduled.name, scheduled.every)
            self._count(scheduled.name, "failed")
            return
        # A run that finished but reports a part of it failed (a tenant's call) is a failed
        # run for the metrics and their alert; its report already logged what failed.
        failed = getattr(report, "ok", True) is False
        self._count(scheduled.name, "failed" if failed else "succeeded")

    def _count(self, name: str, outcome: str) -> None:
        if self.on_run is not None:
            self.on_run(name, outcome)
