"""The nonces of partner access grants already exchanged, so each grant works once."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from callmanager.db import Base, UTCDateTime, utcnow


class UsedGrantNonce(Base):
    """A grant nonce seen once; kept until the grant would have expired anyway."""

    __tablename__ = "partner_grant_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
