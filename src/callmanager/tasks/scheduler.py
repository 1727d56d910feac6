"""A small asyncio scheduler: each task runs a little after start-up and then on its interval.

Runs never overlap (one loop per task), a failing run is logged and the loop goes on, and stop()
cancels the loops and waits for them, so the service shuts down cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A named job, its first run `first_after` start-up, then one run per `every`."""

    name: str
    job: Job
    every: timedelta = timedelta(days=1)
    first_after: timedelta = timedelta(minutes=1)


class Scheduler:
    """Runs scheduled jobs in the event loop of the service."""

    def __init__(self, jobs: list[Scheduled]) -> None:
        self.jobs = jobs
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
        while True:
            await asyncio.sleep(delay.total_seconds())
            try:
                await scheduled.job()
            except Exception:
                logger.exception("task %s failed; next run in %s", scheduled.name, scheduled.every)
            delay = scheduled.every
