"""Admin Setup: the tenant's consent status; the one page Tenant Setup may use."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from callmanager.api.deps import DbSession, SetupReader, SetupWriter
from callmanager.api.one_hop import QuickReadRoute
from callmanager.api.schemas import RequestBody, ResponseBody
from callmanager.domain.setup.service import ConsentStatus, get_setup, update_setup

router = APIRouter(
    prefix="/tenants/{tenant_id}/admin-setup", tags=["admin setup"], route_class=QuickReadRoute
)


class SetupOut(ResponseBody):
    consent_status: ConsentStatus
    consented_by: str | None
    updated_at: datetime


class SetupIn(RequestBody):
    consent_status: ConsentStatus


@router.get("", response_model=SetupOut)
def read_setup(access: SetupReader, db: DbSession) -> SetupOut:
    setup = get_setup(db, access.tenant_id)
    return SetupOut.model_validate(setup)


@router.put("", response_model=SetupOut)
def change_setup(body: SetupIn, access: SetupWriter, db: DbSession) -> SetupOut:
    setup = update_setup(db, access.tenant_id, body.consent_status, access.actor_label)
    return SetupOut.model_validate(setup)
