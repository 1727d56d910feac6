"""The stream table: a tenant's stream, its destination, its durable cursor, health and lease."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from callmanager.db import Base, UTCDateTime, new_id, utcnow


class Kind(StrEnum):
    """A destination's kind."""

    WEBHOOK = "webhook"
    SYSLOG = "syslog"
    SPLUNK_HEC = "splunk_hec"


class Status(StrEnum):
    """A stream's health: delivered (`active`, `retrying`) or not (`paused`, `failing`)."""

    ACTIVE = "active"
    PAUSED = "paused"
    RETRYING = "retrying"
    FAILING = "failing"

    @property
    def delivered(self) -> bool:
        return self in (Status.ACTIVE, Status.RETRYING)


class LogStream(Base):
    __tablename__ = "log_streams"
    __table_args__ = (Index("ix_log_streams_tenant", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    destination: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The destination's settings that are not secret, as the API shows them."""
    secrets: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The destination's secrets, encrypted (`streams.secrets`); never shown."""
    format: Mapped[str] = mapped_column(String(8))
    action_type: Mapped[str] = mapped_column(String(16))
    start_seq: Mapped[int] = mapped_column(BigInteger)
    cursor_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """The last `seq` the destination acknowledged; None before the first."""
    revision: Mapped[int] = mapped_column(Integer, default=1)
    """Grows with every change of configuration, so a deliverer knows to rebuild."""
    status: Mapped[str] = mapped_column(String(16), default=Status.ACTIVE.value)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error_excerpt: Mapped[str | None] = mapped_column(String(300), nullable=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    """When the current run of retryable failures began (None while deliveries succeed)."""
    undelivered: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_holder: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def position(self) -> int:
        """The `seq` after which delivery continues."""
        return self.cursor_seq if self.cursor_seq is not None else self.start_seq - 1
