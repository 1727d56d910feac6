"""Taking a task's lease for a day: an insert that only one process can win (the primary key
is the task and the day), on SQLite and PostgreSQL alike, across workers and instances."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from callmanager.db import SessionFactory, utcnow
from callmanager.tasks.models import TaskLease


def process_holder() -> str:
    """A name for this process that no other process shares (a pid may be reused)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{secrets.token_hex(4)}"


class DailyLease:
    """Decides, per task and UTC day, whether this process runs it."""

    def __init__(self, session_factory: SessionFactory, holder: str | None = None) -> None:
        self.session_factory = session_factory
        self.holder = holder or process_holder()

    def take(self, task: str, day: date) -> bool:
        """True if this process now holds (or already held) `task` on `day`."""
        with self.session_factory() as db:
            db.add(TaskLease(task=task, day=day, holder=self.holder, taken_at=utcnow()))
            try:
                db.commit()
                return True
            except IntegrityError:
                db.rollback()
        return self.holder_of(task, day) == self.holder

    def holder_of(self, task: str, day: date) -> str | None:
        with self.session_factory() as db:
            return db.scalar(
                select(TaskLease.holder).where(TaskLease.task == task, TaskLease.day == day)
            )
