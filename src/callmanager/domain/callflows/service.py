"""Listing, creating, replacing and deleting a tenant's call flows.

Functions flush but never commit: the caller owns the transaction. Routing targets must exist in
the same tenant (a group of it, a user with a role in it); a holiday country or subdivision change
recomputes the listed years' public days.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from callmanager.db import utcnow
from callmanager.domain.callflows.holidays import (
    PublicCalendar,
    library_calendar,
    local_today,
    replace_public_days,
    with_public_year,
)
from callmanager.domain.callflows.models import CallFlow
from callmanager.domain.callflows.schemas import (
    CallFlowCreate,
    CallFlowRead,
    CallFlowUpdate,
    CallFlowWrite,
    GroupTarget,
    Holidays,
    UserTarget,
)
from callmanager.domain.groups.models import Group
from callmanager.domain.portal_users.models import Membership
from callmanager.domain.tenants.models import Tenant
from callmanager.errors import Conflict, Invalid, NotFound

MAX_CALL_FLOWS_LISTED = 1000


def to_read(flow: CallFlow) -> CallFlowRead:
    return CallFlowRead.model_validate(
        {
            "id": flow.id,
            "tenant_id": flow.tenant_id,
            "name": flow.name,
            "phone_number": flow.phone_number,
            "time_zone": flow.time_zone,
            "business_hours": flow.business_hours,
            "routing": flow.routing,
            "holidays": {
                "country": flow.holiday_country,
                "subdivision": flow.holiday_subdivision,
                "years": flow.holiday_years,
            },
            "version": flow.version,
            "created_at": flow.created_at,
            "updated_at": flow.updated_at,
        }
    )


def list_call_flows(db: Session, tenant_id: uuid.UUID) -> list[CallFlowRead]:
    flows = db.scalars(
        select(CallFlow)
        .where(CallFlow.tenant_id == tenant_id)
        .order_by(CallFlow.name)
        .limit(MAX_CALL_FLOWS_LISTED)
    )
    return [to_read(flow) for flow in flows]


def _load(db: Session, tenant_id: uuid.UUID, call_flow_id: uuid.UUID) -> CallFlow:
    flow = db.get(CallFlow, call_flow_id)
    if flow is None or flow.tenant_id != tenant_id:
        raise NotFound("No such call flow.")
    return flow


def get_call_flow(db: Session, tenant_id: uuid.UUID, call_flow_id: uuid.UUID) -> CallFlowRead:
    return to_read(_load(db, tenant_id, call_flow_id))


def create_call_flow(
    db: Session,
    tenant_id: uuid.UUID,
    body: CallFlowCreate,
    *,
    now: datetime | None = None,
    calendar: PublicCalendar = library_calendar,
) -> CallFlowRead:
    """A new call flow; its current year's public holidays are listed from the start."""
    tenant = db.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    time_zone = body.time_zone or tenant.time_zone
    _check_targets(db, tenant_id, body)
    _check_unique(db, tenant_id, body, None)
    this_year = local_today(time_zone, now or utcnow()).year
    flow = CallFlow(tenant_id=tenant_id)
    _assign(flow, body, time_zone, with_public_year(body.holidays, this_year, calendar))
    db.add(flow)
    _flush(db, body)
    return to_read(flow)


def update_call_flow(
    db: Session,
    tenant_id: uuid.UUID,
    call_flow_id: uuid.UUID,
    body: CallFlowUpdate,
    *,
    now: datetime | None = None,
    calendar: PublicCalendar = library_calendar,
) -> CallFlowRead:
    """Replace a call flow; with `body.version`, only if nobody changed it since that version."""
    flow = _load(db, tenant_id, call_flow_id)
    if body.version is not None and body.version != flow.version:
        raise Conflict(
            "The call flow was changed meanwhile; load it again and reapply your change.",
            current_version=flow.version,
        )
    time_zone = body.time_zone or flow.time_zone
    _check_targets(db, tenant_id, body)
    _check_unique(db, tenant_id, body, flow.id)
    holidays = body.holidays
    if (holidays.country, holidays.subdivision) != (flow.holiday_country, flow.holiday_subdivision):
        this_year = local_today(time_zone, now or utcnow()).year
        holidays = with_public_year(replace_public_days(holidays, calendar), this_year, calendar)
    _assign(flow, body, time_zone, holidays)
    _flush(db, body)
    return to_read(flow)


def delete_call_flow(db: Session, tenant_id: uuid.UUID, call_flow_id: uuid.UUID) -> CallFlowRead:
    flow = _load(db, tenant_id, call_flow_id)
    deleted = to_read(flow)
    db.delete(flow)
    db.flush()
    return deleted


def _assign(flow: CallFlow, body: CallFlowWrite, time_zone: str, holidays: Holidays) -> None:
    flow.name = body.name
    flow.phone_number = body.phone_number
    flow.time_zone = time_zone
    flow.business_hours = body.business_hours.model_dump(mode="json")
    flow.routing = body.routing.model_dump(mode="json")
    flow.holiday_country = holidays.country
    flow.holiday_subdivision = holidays.subdivision
    flow.holiday_years = holidays.model_dump(mode="json")["years"]


def _check_targets(db: Session, tenant_id: uuid.UUID, body: CallFlowWrite) -> None:
    for when, target in body.routing:
        if isinstance(target, GroupTarget):
            found = db.scalar(
                select(Group.id).where(Group.id == target.group_id, Group.tenant_id == tenant_id)
            )
            if found is None:
                raise Invalid(f"The {when} routing names a group this tenant does not have.")
        elif isinstance(target, UserTarget):
            found = db.scalar(
                select(Membership.id).where(
                    Membership.user_id == target.user_id, Membership.tenant_id == tenant_id
                )
            )
            if found is None:
                raise Invalid(f"The {when} routing names a user who is not in this tenant.")


def _check_unique(
    db: Session, tenant_id: uuid.UUID, body: CallFlowWrite, own_id: uuid.UUID | None
) -> None:
    query = select(CallFlow.name, CallFlow.phone_number).where(
        CallFlow.tenant_id == tenant_id,
        (CallFlow.name == body.name) | (CallFlow.phone_number == body.phone_number),
    )
    if own_id is not None:
        query = query.where(CallFlow.id != own_id)
    clashes = db.execute(query).all()
    for name, phone_number in clashes:
        if name == body.name:
            raise Conflict(f"A call flow named {body.name!r} already exists.")
        if phone_number == body.phone_number:
            raise Conflict(f"Another call flow already answers {body.phone_number}.")


def _flush(db: Session, body: CallFlowWrite) -> None:
    try:
        db.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"A call flow named {body.name!r} or answering {body.phone_number} already exists."
        ) from exc
    except StaleDataError as exc:
        raise Conflict("The call flow was changed meanwhile; load it again.") from exc
