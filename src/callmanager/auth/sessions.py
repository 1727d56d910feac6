"""Browser sessions: created at login, found by their cookie, revoked at logout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callmanager.auth.credentials import new_token, token_hash
from callmanager.auth.models import SessionRecord
from callmanager.db import utcnow

SESSION_COOKIE = "cm_session"
CSRF_COOKIE = "cm_csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new session's secret (for the cookie, shown once) and its CSRF token."""

    token: str
    csrf_token: str
    expires_at: datetime


def open_session(
    db: Session,
    *,
    lifetime: timedelta,
    user_id: uuid.UUID | None = None,
    tenant_id: uuid.UUID | None = None,
    partner_org: str | None = None,
) -> IssuedSession:
    """Store a new session; a partner session names its tenant and organisation, not a person."""
    token = new_token()
    csrf = new_token()
    expires_at = utcnow() + lifetime
    db.add(
        SessionRecord(
            token_hash=token_hash(token),
            kind="partner" if partner_org is not None else "user",
            user_id=user_id,
            tenant_id=tenant_id,
            partner_org=partner_org,
            csrf_token=csrf,
            expires_at=expires_at,
        )
    )
    return IssuedSession(token=token, csrf_token=csrf, expires_at=expires_at)


def find_session(db: Session, token: str) -> SessionRecord | None:
    """The live session behind a cookie value, or None when unknown, expired or revoked."""
    record = db.scalar(select(SessionRecord).where(SessionRecord.token_hash == token_hash(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= utcnow():
        return None
    return record


def revoke_session(db: Session, session_id: uuid.UUID) -> None:
    db.execute(
        update(SessionRecord)
        .where(SessionRecord.id == session_id, SessionRecord.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_user_sessions(db: Session, user_id: uuid.UUID) -> None:
    """End every session of a user (after removal from their last tenant)."""
    db.execute(
        update(SessionRecord)
        .where(SessionRecord.user_id == user_id, SessionRecord.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
