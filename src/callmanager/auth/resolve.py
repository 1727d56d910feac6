"""Turning a request's credentials (cookie, bearer token, system secret) into a Principal."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callmanager.auth.principal import Principal, Role
from callmanager.auth.sessions import find_session
from callmanager.auth.tokens import find_token
from callmanager.db import utcnow
from callmanager.domain.portal_users.models import Membership, User

LAST_USED_PRECISION = timedelta(minutes=1)


def _roles(db: Session, user_id: uuid.UUID) -> dict[uuid.UUID, Role]:
    rows = db.execute(
        select(Membership.tenant_id, Membership.role).where(Membership.user_id == user_id)
    )
    return {tenant_id: Role(role) for tenant_id, role in rows}


def principal_from_session(db: Session, cookie: str) -> Principal | None:
    record = find_session(db, cookie)
    if record is None:
        return None
    session_id = str(record.id)
    if record.kind == "partner" and record.tenant_id is not None:
        return Principal(
            kind="partner",
            via="partner",
            roles={record.tenant_id: Role.OWNER},
            session_id=session_id,
            csrf_token=record.csrf_token,
        )
    user = db.get(User, record.user_id) if record.user_id else None
    if user is None:
        return None
    return Principal(
        kind="user",
        via="session",
        user_id=user.id,
        email=user.email,
        name=user.name,
        roles=_roles(db, user.id),
        session_id=session_id,
        csrf_token=record.csrf_token,
    )


def principal_from_token(db: Session, bearer: str) -> Principal | None:
    record = find_token(db, bearer)
    if record is None:
        return None
    user = db.get(User, record.user_id)
    if user is None:
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_PRECISION:
        record.last_used_at = now  # at most one write a minute per token, not one per request
        db.commit()
    return Principal(
        kind="user",
        via="token",
        user_id=user.id,
        email=user.email,
        name=user.name,
        roles=_roles(db, user.id),
    )


def system_principal(task_name: str) -> Principal:
    """A background task: Owner rights on every tenant, named by its task, no user."""
    return Principal(kind="system", via="system", task_name=task_name)
