"""The Admin Setup table: one row of consent status per tenant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from callmanager.db import Base, UTCDateTime, utcnow


class AdminSetup(Base):
    __tablename__ = "admin_setup"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    consent_status: Mapped[str] = mapped_column(String(32), default="not_granted")
    consented_by: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
