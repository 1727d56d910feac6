"""Reading and changing a tenant's Admin Setup (consent status)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy.orm import Session

from callmanager.domain.setup.models import AdminSetup


class ConsentStatus(StrEnum):
    NOT_GRANTED = "not_granted"
    GRANTED = "granted"
    REVOKED = "revoked"


def get_setup(db: Session, tenant_id: uuid.UUID) -> AdminSetup:
    setup = db.get(AdminSetup, tenant_id)
    if setup is None:
        setup = AdminSetup(tenant_id=tenant_id, consent_status=ConsentStatus.NOT_GRANTED)
        db.add(setup)
        db.flush()
    return setup


def update_setup(
    db: Session, tenant_id: uuid.UUID, status: ConsentStatus, by: str | None
) -> AdminSetup:
    setup = get_setup(db, tenant_id)
    setup.consent_status = status
    setup.consented_by = by if status == ConsentStatus.GRANTED else None
    db.flush()
    return setup
