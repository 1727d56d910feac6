"""The caller's tenants: list, read, and (Owner) edit name, time zone, Microsoft tenant id and how
long the audit log keeps entries."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from callmanager.api.deps import CurrentPrincipal, DbSession, SetupReader, TenantOwner
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.schemas import RequestBody, ResponseBody
from callmanager.db import utcnow
from callmanager.domain.tenants import service
from callmanager.domain.tenants.models import Tenant
from callmanager.domain.tenants.retention import MAX_DAYS, MIN_DAYS, history_begins
from callmanager.domain.text import one_line

router = APIRouter(prefix="/tenants", tags=["tenants"], route_class=OneHopRoute)


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
        description="The first local day the audit log keeps: today minus the retention period"
    )


class TenantPatch(RequestBody):
    name: Annotated[str, one_line(200)] | None = None
    time_zone: Annotated[str, one_line(64)] | None = None
    microsoft_tenant_id: Annotated[str, one_line(64)] | None = None
    audit_retention_days: Annotated[int, Field(ge=MIN_DAYS, le=MAX_DAYS)] | None = None


@router.get("", response_model=list[TenantOut])
def list_my_tenants(principal: CurrentPrincipal, db: DbSession) -> list[TenantOut]:
    """The tenants the caller has a role in."""
    return [tenant_out(t) for t in service.list_tenants(db, list(principal.roles))]


@router.get("/{tenant_id}", response_model=TenantOut)
def get_tenant(access: SetupReader, db: DbSession) -> TenantOut:
    return tenant_out(service.get_tenant(db, access.tenant_id))


@router.patch("/{tenant_id}", response_model=TenantOut)
def update_tenant(body: TenantPatch, access: TenantOwner, db: DbSession) -> TenantOut:
    tenant = service.update_tenant(db, access.tenant_id, **body.model_dump(exclude_unset=True))
    return tenant_out(tenant)


def tenant_out(tenant: Tenant) -> TenantOut:
    """The tenant as the API writes it (also what the audit log reads before an edit)."""
    begins = history_begins(tenant.audit_retention_days, tenant.time_zone, utcnow())
    return TenantOut(
        id=tenant.id,
        name=tenant.name,
        time_zone=tenant.time_zone,
        microsoft_tenant_id=tenant.microsoft_tenant_id,
        created_at=tenant.created_at,
        audit_retention_days=tenant.audit_retention_days,
        audit_history_begins=begins,
    )
