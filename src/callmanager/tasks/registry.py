"""The tasks the service knows by name, and their wiring into the service's lifespan."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol

from fastapi import FastAPI

from callmanager.progress import Bar
from callmanager.services import Services
from callmanager.tasks.audit_retention import TASK_NAME as AUDIT_RETENTION
from callmanager.tasks.audit_retention import RetentionReport, run_audit_retention
from callmanager.tasks.holiday_migration import TASK_NAME as HOLIDAY_MIGRATION
from callmanager.tasks.holiday_migration import RunReport, run_holiday_migration
from callmanager.tasks.lease import DailyLease
from callmanager.tasks.scheduler import Scheduled, Scheduler


class Task(Protocol):
    def __call__(
        self, app: FastAPI, *, progress: Bar = ...
    ) -> Awaitable[RunReport | RetentionReport]: ...


TASKS: dict[str, Task] = {
    HOLIDAY_MIGRATION: run_holiday_migration,
    AUDIT_RETENTION: run_audit_retention,
}
"""Every task, by the name the CLI and the audit log use."""

DAILY = timedelta(days=1)


def install_scheduler(app: FastAPI, services: Services) -> Scheduler | None:
    """Start the scheduler with the service (if `scheduler_enabled`) and stop it before it stops."""
    if not services.settings.scheduler_enabled:
        return None
    settings = services.settings
    ensure_task_log(settings.log_level)
    first = timedelta(seconds=settings.scheduler_first_run_s)
    metrics = getattr(app.state, "metrics", None)  # `observe.install`: None without a token
    scheduler = Scheduler(
        [
            Scheduled(name, _bound(task, app), every=DAILY, first_after=first)
            for name, task in TASKS.items()
        ],
        # One run per day across every worker and instance on this database.
        lease=DailyLease(services.session_factory),
        on_run=metrics.task_ran if metrics is not None else None,
    )
    services.on_start.append(scheduler.start)
    services.on_stop.append(scheduler.stop)
    return scheduler


def ensure_task_log(level: str) -> None:
    """Make task runs reach the service log (stderr) even when the host configured no logging.

    uvicorn configures only its own loggers; without this, a run's start, changes and end
    would be dropped below WARNING. A host that configures the root logger keeps control.
    """
    task_logger = logging.getLogger("callmanager.tasks")
    task_logger.setLevel(level.upper())
    if task_logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    task_logger.addHandler(handler)


def _bound(task: Task, app: FastAPI) -> Callable[[], Awaitable[RunReport | RetentionReport]]:
    async def run() -> RunReport | RetentionReport:
        return await task(app)

    return run
