"""The tenant table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callmanager.db import Base, UTCDateTime, new_id, utcnow
from callmanager.domain.tenants.retention import DEFAULT_DAYS


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    microsoft_tenant_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    audit_retention_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_DAYS, server_default=str(DEFAULT_DAYS)
    )
    """How long the audit log keeps entries (`domain/tenants/retention.py`)."""
