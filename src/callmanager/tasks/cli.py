"""`callmanager tasks run NAME`: run a System task now, in this process, and report what it did."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from callmanager.progress import Bar, progress_bar
from callmanager.settings import Settings
from callmanager.tasks import AUDIT_RETENTION, HOLIDAY_MIGRATION

TASK_NAMES = (HOLIDAY_MIGRATION, AUDIT_RETENTION)


def add_task_commands(commands: Any) -> None:
    """Register `tasks run` on the main parser's sub-commands."""
    tasks = commands.add_parser("tasks", help="background System tasks")
    task_commands = tasks.add_subparsers(dest="tasks_command", required=True, metavar="COMMAND")
    run = task_commands.add_parser("run", help="run a task now (its API calls are audited)")
    run.add_argument("task", choices=TASK_NAMES, help="the task to run")
    run.set_defaults(handler=run_task)


def configure_logging(settings: Settings) -> None:
    """The server's log configuration: structured lines, redacted the same way."""
    import logging.config

    from callmanager.logs import log_config

    logging.config.dictConfig(log_config(settings.log_level))


def run_task(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from callmanager.app import create_app
    from callmanager.tasks.registry import TASKS

    configure_logging(settings)
    app = create_app(
        settings.model_copy(update={"scheduler_enabled": False, "streams_enabled": False})
    )

    async def run(progress: Bar) -> Any:
        async with app.router.lifespan_context(app):
            return await TASKS[args.task](app, progress=progress)

    with progress_bar(f"{args.task}: tenants") as bar:
        report = asyncio.run(run(bar))
    print(f"{args.task}: {report.summary()}")
    for flow in report.changed:
        for change in flow.changes:
            print(f"  {flow.name}: {change}")
    for flow in report.failed:
        print(f"  {flow.name}: not changed: {flow.error}", file=sys.stderr)
    for error in report.tenant_errors:
        print(f"  {error}", file=sys.stderr)
    return 0 if report.ok else 1
