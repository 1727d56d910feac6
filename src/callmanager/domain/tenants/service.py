"""Creating, reading and editing tenants."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callmanager.domain.setup.models import AdminSetup
from callmanager.domain.tenants.models import Tenant
from callmanager.errors import Conflict, Invalid, NotFound


def check_time_zone(name: str) -> str:
    """An IANA time zone name, or Invalid."""
    if name not in available_timezones():
        raise Invalid(f"Unknown time zone {name!r}; use an IANA name such as 'Europe/London'.")
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:
        raise Invalid(f"Unknown time zone {name!r}.") from exc
    return name


def create_tenant(
    db: Session, name: str, time_zone: str = "UTC", microsoft_tenant_id: str | None = None
) -> Tenant:
    tenant = Tenant(
        name=name, time_zone=check_time_zone(time_zone), microsoft_tenant_id=microsoft_tenant_id
    )
    db.add(tenant)
    try:
        db.flush()
    except IntegrityError as exc:
        raise Conflict("A tenant with this Microsoft tenant id already exists.") from exc
    db.add(AdminSetup(tenant_id=tenant.id))
    return tenant


def get_tenant(db: Session, tenant_id: uuid.UUID) -> Tenant:
    tenant = db.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant.")
    return tenant


def list_tenants(db: Session, tenant_ids: list[uuid.UUID]) -> list[Tenant]:
    if not tenant_ids:
        return []
    return list(db.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids)).order_by(Tenant.name)))


def update_tenant(
    db: Session,
    tenant_id: uuid.UUID,
    *,
    name: str | None = None,
    time_zone: str | None = None,
    microsoft_tenant_id: str | None = None,
    audit_retention_days: int | None = None,
) -> Tenant:
    tenant = get_tenant(db, tenant_id)
    if audit_retention_days is not None:
        tenant.audit_retention_days = audit_retention_days
    if name is not None:
        tenant.name = name
    if time_zone is not None:
        tenant.time_zone = check_time_zone(time_zone)
    if microsoft_tenant_id is not None:
        tenant.microsoft_tenant_id = microsoft_tenant_id
    try:
        db.flush()
    except IntegrityError as exc:
        raise Conflict("A tenant with this Microsoft tenant id already exists.") from exc
    return tenant
