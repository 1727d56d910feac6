"""The lease that lets one process, of all the workers and instances on one database, run a
scheduled task on a given day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from callmanager.db import Base, UTCDateTime


class TaskLease(Base):
    """A task's run for one UTC day, taken by the first process to insert the row."""

    __tablename__ = "task_leases"

    task: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date(), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    """Which process took it: `<host>:<pid>:<random>`."""
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
