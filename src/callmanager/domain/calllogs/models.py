"""The call log table, indexed for the newest-first, per-tenant, date-bounded list."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callmanager.db import Base, UTCDateTime, new_id


class CallLog(Base):
    """One PSTN call of a tenant user; written by the telephony feed (here: the generator)."""

    __tablename__ = "call_logs"
    __table_args__ = (Index("ix_call_logs_tenant_started", "tenant_id", "started_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    direction: Mapped[str] = mapped_column(String(8))
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32))
    user_name: Mapped[str] = mapped_column(String(200))
    user_principal_name: Mapped[str] = mapped_column(String(320))
    duration_s: Mapped[int] = mapped_column(Integer)
    call_type: Mapped[str] = mapped_column(String(24))
    result: Mapped[str] = mapped_column(String(16))
