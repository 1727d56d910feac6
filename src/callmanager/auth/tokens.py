"""Personal API tokens: shown once, stored as a hash, listed and revoked by their owner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callmanager.auth.credentials import API_TOKEN_PREFIX, new_token, token_hash
from callmanager.auth.models import ApiToken
from callmanager.db import utcnow
from callmanager.errors import NotFound


@dataclass(frozen=True, slots=True)
class IssuedToken:
    record: ApiToken
    token: str


def create_token(
    db: Session, user_id: uuid.UUID, name: str, expires_at: datetime | None
) -> IssuedToken:
    token = new_token(API_TOKEN_PREFIX)
    record = ApiToken(
        user_id=user_id,
        name=name,
        prefix=token[: len(API_TOKEN_PREFIX) + 4],
        token_hash=token_hash(token),
        expires_at=expires_at,
    )
    db.add(record)
    db.flush()
    return IssuedToken(record=record, token=token)


def list_tokens(db: Session, user_id: uuid.UUID) -> list[ApiToken]:
    return list(
        db.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(db: Session, user_id: uuid.UUID, token_id: uuid.UUID) -> None:
    record = db.get(ApiToken, token_id)
    if record is None or record.user_id != user_id or record.revoked_at is not None:
        raise NotFound("No such API token.")
    record.revoked_at = utcnow()


def find_token(db: Session, token: str) -> ApiToken | None:
    """The live token record for a bearer value, or None."""
    record = db.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    now = utcnow()
    if record is None or record.revoked_at is not None:
        return None
    if record.expires_at is not None and record.expires_at <= now:
        return None
    return record
