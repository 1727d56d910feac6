"""Turning a request's credentials (cookie, bearer token, system secret) into a Principal.

Each credential is found by the hash the database keeps of it, in two short queries (the
credential joined with its user, then the user's roles) that return plain rows, not ORM objects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from callmanager.auth.credentials import token_hash
from callmanager.auth.models import ApiToken, SessionRecord
from callmanager.auth.principal import Principal, Role
from callmanager.db import utcnow
from callmanager.domain.portal_users.models import Membership, User

LAST_USED_PRECISION = timedelta(minutes=1)
"""An API token's `last_used_at` is written at most this often."""


@dataclass(frozen=True, slots=True)
class Resolved:
    """A live credential's principal, and what a cache needs to know about the credential."""

    principal: Principal
    expires_at: datetime | None
    """When the credential stops working by itself (None: a token without expiry)."""
    token_id: uuid.UUID | None = None
    last_used_at: datetime | None = None
    """An API token's last recorded use."""

    def last_use_due(self, now: datetime) -> bool:
        """Whether a use at `now` should be written (at most once a minute)."""
        return self.token_id is not None and (
            self.last_used_at is None or now - self.last_used_at > LAST_USED_PRECISION
        )


def _roles(db: Session, user_id: uuid.UUID) -> dict[uuid.UUID, Role]:
    rows = db.execute(
        select(Membership.tenant_id, Membership.role).where(Membership.user_id == user_id)
    )
    return {tenant_id: Role(role) for tenant_id, role in rows}


_SESSION = (
    select(
        SessionRecord.id,
        SessionRecord.kind,
        SessionRecord.tenant_id,
        SessionRecord.csrf_token,
        SessionRecord.expires_at,
        SessionRecord.revoked_at,
        User.id,
        User.email,
        User.name,
    )
    .select_from(SessionRecord)
    .outerjoin(User, User.id == SessionRecord.user_id)
)
_TOKEN = select(
    ApiToken.id,
    ApiToken.expires_at,
    ApiToken.revoked_at,
    ApiToken.last_used_at,
    User.id,
    User.email,
    User.name,
).join(User, User.id == ApiToken.user_id)


def resolve_session(db: Session, hashed: str) -> Resolved | None:
    """The live session whose cookie hashes to `hashed`, or None when unknown, expired or
    revoked (or its user is gone)."""
    row = db.execute(_SESSION.where(SessionRecord.token_hash == hashed)).one_or_none()
    if row is None:
        return None
    session_id, kind, tenant_id, csrf, expires_at, revoked_at, user_id, email, name = row
    if revoked_at is not None or expires_at <= utcnow():
        return None
    if kind == "partner" and tenant_id is not None:
        principal = Principal(
            kind="partner",
            via="partner",
            roles={tenant_id: Role.OWNER},
            session_id=str(session_id),
            csrf_token=csrf,
        )
        return Resolved(principal, expires_at)
    if user_id is None:
        return None
    principal = Principal(
        kind="user",
        via="session",
        user_id=user_id,
        email=email,
        name=name,
        roles=_roles(db, user_id),
        session_id=str(session_id),
        csrf_token=csrf,
    )
    return Resolved(principal, expires_at)


def resolve_token(db: Session, hashed: str) -> Resolved | None:
    """The live API token whose value hashes to `hashed`, or None."""
    row = db.execute(_TOKEN.where(ApiToken.token_hash == hashed)).one_or_none()
    if row is None:
        return None
    token_id, expires_at, revoked_at, last_used_at, user_id, email, name = row
    if revoked_at is not None or (expires_at is not None and expires_at <= utcnow()):
        return None
    principal = Principal(
        kind="user",
        via="token",
        user_id=user_id,
        email=email,
        name=name,
        roles=_roles(db, user_id),
    )
    return Resolved(principal, expires_at, token_id, last_used_at)


def principal_from_session(db: Session, cookie: str) -> Principal | None:
    resolved = resolve_session(db, token_hash(cookie))
    return resolved.principal if resolved else None


def system_principal(task_name: str) -> Principal:
    """A background task: Owner rights on every tenant, named by its task, no user."""
    return Principal(kind="system", via="system", task_name=task_name)
