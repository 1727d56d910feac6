"""The System task that applies every tenant's audit retention, through the public API.

For each tenant it calls `POST /api/v1/tenants/{id}/audit-log/prune` with the credential only
tasks hold, so each pruning is itself an entry of that tenant's log, tagged System, saying how
many entries before which day went (`Pruned 61 entries before 2025-10-26 (kept for 400
days)`). A call stops at a bounded number of entries and says when more remain: the task calls
again until none do. A second run the same day prunes nothing more.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from callmanager.db import utcnow
from callmanager.progress import QUIET, Bar
from callmanager.tasks import AUDIT_RETENTION
from callmanager.tasks.runs import TaskReport, each_tenant, system_client

TASK_NAME = AUDIT_RETENTION
MAX_CALLS = 1_000
"""Calls per tenant per run at most (each removes up to `PRUNE_LIMIT` entries)."""
TIMEOUT_S = 300.0
"""One call's limit: a bounded prune takes seconds; a busy SQLite may make it wait."""
logger = logging.getLogger(__name__)


@dataclass
class TenantPruned:
    """One tenant's part of a run, shaped like the other tasks' results for `tasks run`."""

    tenant_id: uuid.UUID
    name: str
    pruned: int = 0
    calls: int = 0
    history_begins: str | None = None
    error: str | None = None

    @property
    def changes(self) -> list[str]:
        return [f"pruned {self.pruned} entries before {self.history_begins}"]


class RetentionReport(TaskReport[TenantPruned]):
    """What one run did: tenants checked, those pruned, those that failed."""

    @property
    def pruned(self) -> int:
        return sum(t.pruned for t in self.changed)

    def summary(self) -> str:
        return (
            f"checked {self.checked} tenants, pruned {self.pruned} entries "
            f"in {len(self.changed)}, failed {len(self.failed)}"
        )


async def run_audit_retention(app: FastAPI, *, progress: Bar = QUIET) -> RetentionReport:
    """Prune every tenant's audit log to its retention period (tenants done told to
    `progress`)."""
    report = RetentionReport(started_at=utcnow())
    logger.info("task %s: run started", TASK_NAME)
    async with system_client(app, TASK_NAME) as client:
        client.timeout = httpx.Timeout(TIMEOUT_S)
        for tenant_id in each_tenant(app, progress):
            report.checked += 1
            result = await _prune_tenant(client, tenant_id)
            if result.error:
                report.failed.append(result)
            elif result.pruned:
                report.changed.append(result)
    report.finished_at = utcnow()
    log = logger.info if report.ok else logger.warning
    log("task %s: run finished: %s", TASK_NAME, report.summary())
    return report


async def _prune_tenant(client: httpx.AsyncClient, tenant_id: uuid.UUID) -> TenantPruned:
    result = TenantPruned(tenant_id, f"tenant {tenant_id}")
    url = f"/api/v1/tenants/{tenant_id}/audit-log/prune"
    while result.calls < MAX_CALLS:
        try:
            response = await client.post(url)
        except httpx.HTTPError as exc:  # one tenant's failure must not stop the others
            result.error = f"{type(exc).__name__}: {exc}"
            logger.exception("task %s: tenant %s failed", TASK_NAME, tenant_id)
            return result
        result.calls += 1
        if response.status_code != 200:
            result.error = f"prune gave {response.status_code}: {response.text[:300]}"
            logger.error("task %s: tenant %s: %s", TASK_NAME, tenant_id, result.error)
            return result
        done = response.json()
        result.pruned += done["pruned"]
        result.history_begins = done["history_begins"]
        if not done["more"]:
            break
    if result.pruned:
        logger.info("task %s: tenant %s: %s", TASK_NAME, tenant_id, result.changes[0])
    return result
