"""The tasks the service knows by name, and their wiring into the service's lifespan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import FastAPI

from callmanager.services import Services
from callmanager.tasks.holiday_migration import TASK_NAME as HOLIDAY_MIGRATION
from callmanager.tasks.holiday_migration import RunReport, run_holiday_migration
from callmanager.tasks.scheduler import Scheduled, Scheduler

Task = Callable[[FastAPI], Awaitable[RunReport]]

TASKS: dict[str, Task] = {HOLIDAY_MIGRATION: run_holiday_migration}
"""Every task, by the name the CLI and the audit log use."""

DAILY = timedelta(days=1)


def install_scheduler(app: FastAPI, services: Services) -> Scheduler | None:
    """Start the scheduler with the service (if `scheduler_enabled`) and stop it before it stops."""
    if not services.settings.scheduler_enabled:
        return None
    scheduler = Scheduler(
        [Scheduled(name, _bound(task, app), every=DAILY) for name, task in TASKS.items()]
    )
    services.on_start.append(scheduler.start)
    services.on_stop.append(scheduler.stop)
    return scheduler


def _bound(task: Task, app: FastAPI) -> Callable[[], Awaitable[RunReport]]:
    async def run() -> RunReport:
        return await task(app)

    return run
