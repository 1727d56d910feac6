"""Server-side sessions, personal API tokens and login-attempt counters; secrets only as hashes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callmanager.db import Base, UTCDateTime, new_id, utcnow


class SessionRecord(Base):
    """A browser session (a user's, or a partner's for one tenant); revocable server-side."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="user")
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE")
    )
    partner_org: Mapped[str | None] = mapped_column(String(200))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A personal API token, used as `Authorization: Bearer …`; shown once, stored as SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginAttempts(Base):
    """Login attempts counted for one subject of a scope (an account's email, a client address).

    See `callmanager.auth.throttle`: `attempts` counts the attempts that were let through and
    failed (or are being checked), `last_attempt_at` is when the latest was let through.
    """

    __tablename__ = "login_attempts"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(320), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PrincipalEpoch(Base):
    """One counter that every change able to take a caller's rights away moves forward.

    Database triggers (migration `0007_principal_cache`) move it in the revoking transaction;
    cached principals are used only while it still reads as it did when they were resolved.
    """

    __tablename__ = "principal_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)
