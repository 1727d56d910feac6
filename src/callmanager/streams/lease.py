"""The stream rows as a deliverer reads and writes them: who holds each stream (a lease in the
database, so one process at a time delivers it, and another takes over once the holder stops
renewing), its durable cursor, and its health after each attempt.

Every write after the claim names the holder in its WHERE clause: a process that lost its lease
can no longer move a cursor or a status, whatever it still believes.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from callmanager.streams.models import LogStream, Status

DELIVERED = (Status.ACTIVE.value, Status.RETRYING.value)


@dataclass(frozen=True, slots=True)
class Held:
    """What a deliverer needs of a stream it holds, read fresh each round."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    destination: dict[str, Any]
    secrets: bytes | None
    format: str
    action_type: str
    position: int
    revision: int
    status: str
    failing_since: datetime | None
    lease_expires_at: datetime


class Leases:
    """The deliverer's reads and writes of stream rows, as `holder`, each its own transaction."""

    def __init__(self, sessions: sessionmaker[Session], holder: str, ttl: float) -> None:
        self.sessions = sessions
        self.holder = holder
        self.ttl = timedelta(seconds=ttl)

    def _free_or_mine(self, now: datetime) -> Any:
        return or_(
            LogStream.lease_holder.is_(None),
            LogStream.lease_expires_at < now,
            LogStream.lease_holder == self.holder,
        )

    def claim(self, now: datetime, running: Collection[uuid.UUID] = ()) -> list[uuid.UUID]:
        """Take every delivered stream no one holds (or whose holder stopped renewing), and
        those held here without a loop (`running` have theirs, which renew them); returns the
        ids taken."""
        with self.sessions() as db:
            wanted = db.scalars(
                select(LogStream.id).where(LogStream.status.in_(DELIVERED), self._free_or_mine(now))
            ).all()
            held = []
            for stream_id in (found for found in wanted if found not in running):
                # The condition is checked again under the row's lock: one claimant wins.
                taken = db.connection().execute(
                    update(LogStream)
                    .where(
                        LogStream.id == stream_id,
                        LogStream.status.in_(DELIVERED),
                        self._free_or_mine(now),
                    )
                    .values(lease_holder=self.holder, lease_expires_at=now + self.ttl)
                )
                db.commit()
                if taken.rowcount == 1:
                    held.append(stream_id)
            return held

    def read(self, stream_id: uuid.UUID, now: datetime) -> Held | None:
        """The stream while this holder holds it and it is to be delivered; else None."""
        with self.sessions() as db:
            s = db.get(LogStream, stream_id)
            if (
                s is None
                or s.lease_holder != self.holder
                or s.lease_expires_at is None
                or s.lease_expires_at <= now
                or s.status not in DELIVERED
            ):
                return None
            return Held(
                s.id,
                s.tenant_id,
                s.kind,
                dict(s.destination),
                s.secrets,
                s.format,
                s.action_type,
                s.position,
                s.revision,
                s.status,
                s.failing_since,
                s.lease_expires_at,
            )

    def renew(self, stream_id: uuid.UUID, now: datetime) -> bool:
        return self._update(stream_id, lease_expires_at=now + self.ttl)

    def advance(self, stream_id: uuid.UUID, cursor: int, now: datetime, sent: bool) -> bool:
        """The receiver accepted everything through `cursor` (or there was nothing to send up
        to it): the cursor moves, the stream is healthy, and the lease is renewed."""
        values: dict[str, Any] = {
            "cursor_seq": cursor,
            "lease_expires_at": now + self.ttl,
            "failing_since": None,
            "status": case(
                (LogStream.status == Status.RETRYING.value, Status.ACTIVE.value),
                else_=LogStream.status,
            ),
        }
        if sent:
            values["last_success_at"] = now
        return self._update(stream_id, **values)

    def failed(
        self,
        stream_id: uuid.UUID,
        now: datetime,
        *,
        status: int | None,
        excerpt: str,
        give_up: bool,
        failing_since: datetime | None = None,
        undelivered: int = 0,
    ) -> bool:
        """An attempt failed: the error is kept; the stream is `retrying`, or `failing` (and no
        longer delivered) when `give_up`. A pause made meanwhile stays a pause."""
        values: dict[str, Any] = {
            "last_error_at": now,
            "last_error_status": status,
            "last_error_excerpt": excerpt[:300],
            "status": Status.FAILING.value if give_up else Status.RETRYING.value,
            "failing_since": failing_since or now,
            "undelivered": undelivered,
        }
        return self._update(stream_id, LogStream.status.in_(DELIVERED), **values)

    def release(self, stream_ids: list[uuid.UUID] | None = None) -> None:
        """Let go of the streams held (all of them by default), so another process takes
        them over at once rather than when the lease expires."""
        query = update(LogStream).where(LogStream.lease_holder == self.holder)
        if stream_ids is not None:
            query = query.where(LogStream.id.in_(stream_ids))
        with self.sessions() as db:
            db.execute(
                query.values(lease_holder=None, lease_expires_at=None).execution_options(
                    synchronize_session=False
                )
            )
            db.commit()

    def _update(self, stream_id: uuid.UUID, *where: Any, **values: Any) -> bool:
        with self.sessions() as db:
            done = db.connection().execute(
                update(LogStream)
                .where(LogStream.id == stream_id, LogStream.lease_holder == self.holder, *where)
                .values(**values)
            )
            db.commit()
            return done.rowcount == 1
