"""The System task that keeps every call flow's holidays current, through the public API.

It calls the same HTTP API people use, in process, with the credential only tasks hold, so the
audit log records each of its GET and PUT calls as System. Each call flow changes in one PUT
that carries the version it read: a call flow edited meanwhile is refused (409) and left for the
next run, never half-migrated. A second run finds nothing to do.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from fastapi import FastAPI

from callmanager.db import utcnow
from callmanager.domain.callflows.holidays import (
    PublicCalendar,
    library_calendar,
    local_today,
    migrate_holidays,
)
from callmanager.domain.callflows.schemas import CallFlowList, CallFlowRead
from callmanager.progress import QUIET, Bar
from callmanager.tasks import HOLIDAY_MIGRATION
from callmanager.tasks.runs import TaskReport, each_tenant, system_client

TASK_NAME = HOLIDAY_MIGRATION
logger = logging.getLogger(__name__)


@dataclass
class FlowResult:
    tenant_id: uuid.UUID
    call_flow_id: uuid.UUID
    name: str
    changes: list[str] = field(default_factory=list)
    error: str | None = None


class RunReport(TaskReport[FlowResult]):
    """What one run did: call flows checked, those changed, those that failed."""

    def summary(self) -> str:
        return (
            f"checked {self.checked} call flows, changed {len(self.changed)}, "
            f"failed {len(self.failed) + len(self.tenant_errors)}"
        )


async def run_holiday_migration(
    app: FastAPI,
    *,
    now: datetime | None = None,
    calendar: PublicCalendar = library_calendar,
    progress: Bar = QUIET,
) -> RunReport:
    """Check and migrate the holidays of every call flow of every tenant (tenants done told
    to `progress`)."""
    report = RunReport(started_at=utcnow())
    now = now or report.started_at
    logger.info("task %s: run started", TASK_NAME)
    async with system_client(app, TASK_NAME) as client:
        for tenant_id in each_tenant(app, progress):
            await _migrate_tenant(client, tenant_id, now, calendar, report)
    report.finished_at = utcnow()
    log = logger.info if report.ok else logger.warning
    log("task %s: run finished: %s", TASK_NAME, report.summary())
    return report


async def _migrate_tenant(
    client: httpx.AsyncClient,
    tenant_id: uuid.UUID,
    now: datetime,
    calendar: PublicCalendar,
    report: RunReport,
) -> None:
    base = f"/api/v1/tenants/{tenant_id}/call-flows"
    listed = await client.get(base)
    if listed.status_code != 200:
        error = f"tenant {tenant_id}: listing call flows gave {listed.status_code}"
        logger.error("task %s: %s", TASK_NAME, error)
        report.tenant_errors.append(error)
        return
    for flow in CallFlowList.model_validate(listed.json()).items:
        report.checked += 1
        result = await _migrate_flow(client, f"{base}/{flow.id}", flow, now, calendar)
        if result.error:
            report.failed.append(result)
        elif result.changes:
            report.changed.append(result)


async def _migrate_flow(
    client: httpx.AsyncClient,
    url: str,
    flow: CallFlowRead,
    now: datetime,
    calendar: PublicCalendar,
) -> FlowResult:
    result = FlowResult(tenant_id=flow.tenant_id, call_flow_id=flow.id, name=flow.name)
    try:
        migration = migrate_holidays(flow.holidays, local_today(flow.time_zone, now), calendar)
        if not migration.changed:
            return result
        body = flow.as_update().model_copy(update={"holidays": migration.holidays})
        response = await client.put(url, json=body.model_dump(mode="json"))
    except Exception as exc:  # one broken call flow must not stop the run for the others
        result.error = f"{type(exc).__name__}: {exc}"
        logger.exception("task %s: call flow %s (%s) failed", TASK_NAME, flow.id, flow.name)
        return result
    if response.status_code != 200:
        result.error = f"PUT gave {response.status_code}: {response.text[:300]}"
        logger.error(
            "task %s: call flow %s (%s) not changed: %s",
            TASK_NAME,
            flow.id,
            flow.name,
            result.error,
        )
        return result
    result.changes = [change.describe() for change in migration.changes]
    for change in result.changes:
        logger.info("task %s: call flow %s (%s): %s", TASK_NAME, flow.id, flow.name, change)
    return result
