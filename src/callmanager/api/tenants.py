"""The caller's tenants: list, read, and (Owner) edit name, time zone and Microsoft tenant id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter

from callmanager.api.deps import CurrentPrincipal, DbSession, SetupReader, TenantOwner
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.schemas import RequestBody, ResponseBody
from callmanager.domain.tenants import service
from callmanager.domain.text import one_line

router = APIRouter(prefix="/tenants", tags=["tenants"], route_class=OneHopRoute)


class TenantOut(ResponseBody):
    id: uuid.UUID
    name: str
    time_zone: str
    microsoft_tenant_id: str | None
    created_at: datetime


class TenantPatch(RequestBody):
    name: Annotated[str, one_line(200)] | None = None
    time_zone: Annotated[str, one_line(64)] | None = None
    microsoft_tenant_id: Annotated[str, one_line(64)] | None = None


@router.get("", response_model=list[TenantOut])
def list_my_tenants(principal: CurrentPrincipal, db: DbSession) -> list[TenantOut]:
    """The tenants the caller has a role in."""
    return [TenantOut.model_validate(t) for t in service.list_tenants(db, list(principal.roles))]


@router.get("/{tenant_id}", response_model=TenantOut)
def get_tenant(access: SetupReader, db: DbSession) -> TenantOut:
    return TenantOut.model_validate(service.get_tenant(db, access.tenant_id))


@router.patch("/{tenant_id}", response_model=TenantOut)
def update_tenant(body: TenantPatch, access: TenantOwner, db: DbSession) -> TenantOut:
    tenant = service.update_tenant(db, access.tenant_id, **body.model_dump(exclude_unset=True))
    return TenantOut.model_validate(tenant)
