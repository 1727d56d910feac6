"""The caller's tenants: list, read, and (Owner) edit name, time zone, Microsoft tenant id and how
long the audit log keeps entries.

`audit_history_begins` is where the retained history really begins: the period's first day, or
the day retention last pruned to when that is later (after the period was lengthened, what
was pruned stays gone). With the audit store unreachable it falls back to the period's day, so
the tenant (Admin Setup) still reads.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import Field

from asgi_audit.errors import AuditUnavailable
from asgi_audit.store.port import AuditStore
from callmanager.api.deps import (
    CurrentPrincipal,
    DbSession,
    ServicesDep,
    SetupReader,
    TenantOwner,
)
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.schemas import RequestBody, ResponseBody
from callmanager.db import utcnow
from callmanager.domain.tenants import service
from callmanager.domain.tenants.models import Tenant
from callmanager.domain.tenants.retention import MAX_DAYS, MIN_DAYS, history_begins
from callmanager.domain.text import one_line

router = APIRouter(prefix="/tenants", tags=["tenants"], route_class=OneHopRoute)
logger = logging.getLogger(__name__)


class TenantOut(ResponseBody):
    id: uuid.UUID
    name: str
    time_zone: str
    microsoft_tenant_id: str | None
    created_at: datetime
    audit_retention_days: int = Field(
        description="How many days the audit log keeps entries (30 to 3650; default 400)"
    )
    audit_history_begins: date = Field(
        description="The first local day the audit log keeps: today minus the retention period, "
        "or the day retention last pruned to if that is later (the period was lengthened)"
    )


class TenantPatch(RequestBody):
    name: Annotated[str, one_line(200)] | None = None
    time_zone: Annotated[str, one_line(64)] | None = None
    microsoft_tenant_id: Annotated[str, one_line(64)] | None = None
    audit_retention_days: Annotated[int, Field(ge=MIN_DAYS, le=MAX_DAYS)] | None = None


@router.get("", response_model=list[TenantOut])
def list_my_tenants(
    principal: CurrentPrincipal, db: DbSession, services: ServicesDep
) -> list[TenantOut]:
    """The tenants the caller has a role in."""
    tenants = service.list_tenants(db, list(principal.roles))
    return [tenant_out(t, services.audit_store) for t in tenants]


@router.get("/{tenant_id}", response_model=TenantOut)
def get_tenant(access: SetupReader, db: DbSession, services: ServicesDep) -> TenantOut:
    return tenant_out(service.get_tenant(db, access.tenant_id), services.audit_store)


@router.patch("/{tenant_id}", response_model=TenantOut)
def update_tenant(
    body: TenantPatch, access: TenantOwner, db: DbSession, services: ServicesDep
) -> TenantOut:
    tenant = service.update_tenant(db, access.tenant_id, **body.model_dump(exclude_unset=True))
    return tenant_out(tenant, services.audit_store)


def tenant_out(tenant: Tenant, audit_store: AuditStore | None = None) -> TenantOut:
    """The tenant as the API writes it (also what the audit log reads before an edit); with
    `audit_store`, its history begins no earlier than the day retention last pruned to."""
    begins = history_begins(tenant.audit_retention_days, tenant.time_zone, utcnow())
    mark = _pruned_before(audit_store, tenant.id) if audit_store is not None else None
    if mark is not None:
        begins = max(begins, mark.astimezone(ZoneInfo(tenant.time_zone)).date())
    return TenantOut(
        id=tenant.id,
        name=tenant.name,
        time_zone=tenant.time_zone,
        microsoft_tenant_id=tenant.microsoft_tenant_id,
        created_at=tenant.created_at,
        audit_retention_days=tenant.audit_retention_days,
        audit_history_begins=begins,
    )


def _pruned_before(audit_store: AuditStore, tenant_id: uuid.UUID) -> datetime | None:
    try:
        return audit_store.pruned_before(tenant_id)
    except AuditUnavailable as exc:
        logger.warning("tenant %s: retention mark unread (%s)", tenant_id, type(exc).__name__)
        return None
