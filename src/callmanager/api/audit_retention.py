"""Retention's API: the System task asks the engine to prune a tenant's audit log of the entries
older than the tenant's period, one bounded call at a time, each call itself an audit entry.

Only the System credential may prune (a person, a token or a partner gets 403): how long a
tenant keeps its log is the Owner's setting (`audit_retention_days` on the tenant), and the
task applies it every day (`tasks/audit_retention.py`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field

from callmanager.api.deps import AuditReader, DbSession, ServicesDep, TenantAccess
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.schemas import ResponseBody
from callmanager.db import utcnow
from callmanager.domain.tenants import service
from callmanager.domain.tenants.retention import history_begins, prune_before
from callmanager.errors import Forbidden

router = APIRouter(
    prefix="/tenants/{tenant_id}/audit-log", tags=["audit log"], route_class=OneHopRoute
)

PRUNE_LIMIT = 50_000
"""Entries one call removes at most (whole months dropped on PostgreSQL count too, at no
cost): each call stays well inside the audit writer's seal window, and says if more remain."""


class PrunedOut(ResponseBody):
    tenant_id: uuid.UUID
    days: int = Field(description="The tenant's retention period")
    history_begins: date = Field(description="The first local day kept")
    before: datetime = Field(description="Entries that occurred before this were pruned")
    pruned: int = Field(description="Entries this call removed (their leaves stay, hash only)")
    partitions_dropped: int = Field(description="Whole months dropped (PostgreSQL)")
    more: bool = Field(description="Stopped at the limit: call again to prune the rest")


def system_only(access: AuditReader) -> TenantAccess:
    if access.principal.kind != "system":
        raise Forbidden("Only the System's retention task may prune the audit log.")
    return access


SystemTask = Annotated[TenantAccess, Depends(system_only)]


@router.post("/prune", summary="Prune entries older than the retention period (System only)")
def prune_audit_log(access: SystemTask, db: DbSession, services: ServicesDep) -> PrunedOut:
    """Removes the content of the tenant's entries that occurred before the first local day
    of its retention period (at most `PRUNE_LIMIT` a call; `more` says to call again). Their
    leaves, the tree and the checkpoints stay: proofs, exports and `audit verify` still hold,
    pruned places showing as pruned. Idempotent: a second call prunes nothing more."""
    tenant = service.get_tenant(db, access.tenant_id)
    days, zone, now = tenant.audit_retention_days, tenant.time_zone, utcnow()
    before = prune_before(days, zone, now).astimezone(UTC)
    done = services.audit_store.prune(tenant.id, before, PRUNE_LIMIT)
    return PrunedOut(
        tenant_id=tenant.id,
        days=days,
        history_begins=history_begins(days, zone, now),
        before=before,
        pruned=done.entries,
        partitions_dropped=len(done.partitions),
        more=done.more,
    )
