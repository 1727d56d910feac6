"""Login attempts counted per account and per client address, before any password is checked.

An attempt is let through only by one atomic upsert that counts it, and only when its subject
is not made to wait; a burst of simultaneous attempts therefore checks no more passwords than
the allowance, loses no count and never collides on the key. The decision is the database's:
the waits are declared here once (`Allowance.wait_after`) and derived into the statement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from callmanager.auth.models import LoginAttempts
from callmanager.db import UTCDateTime, utcnow
from callmanager.errors import TooManyAttempts

_MAX_DOUBLINGS = 30
"""Beyond this many doublings every wait is the cap anyway (and 2**n stays a small number)."""


@dataclass(frozen=True, slots=True)
class Allowance:
    """How many attempts a subject gets at once, and how long it waits after each one more."""

    scope: str
    """What the subjects are, e.g. `account` (an email) or `address` (a client IP)."""
    free: int
    """Attempts counted without any wait."""
    max_wait: timedelta
    """The longest wait: after `free` attempts the waits double from 2 s up to this."""
    forget_after: timedelta | None
    """A subject quiet for this long starts afresh; None: only a success starts it afresh."""
    refusal: str
    """The problem's detail when an attempt must wait."""

    def wait_after(self, attempts: int) -> timedelta:
        """How long after the latest of `attempts` counted attempts the next one may be made."""
        if attempts < self.free:
            return timedelta(0)
        doublings = min(attempts - self.free + 1, _MAX_DOUBLINGS)
        return min(timedelta(seconds=2**doublings), self.max_wait)

    def steps(self) -> list[int]:
        """The counts whose wait is between none and the cap, each one a step of its own."""
        counts = []
        attempts = self.free
        while self.wait_after(attempts) < self.max_wait:
            counts.append(attempts)
            attempts += 1
        return counts


ACCOUNT = Allowance(
    scope="account",
    free=5,
    max_wait=timedelta(minutes=15),
    forget_after=None,
    refusal="Too many failed logins for this account; try again later.",
)
"""Per email, known or not: 5 guesses at once, then 2 s, 4 s, 8 s … up to 15 min apart."""

ADDRESS = Allowance(
    scope="address",
    free=30,
    max_wait=timedelta(minutes=15),
    forget_after=timedelta(hours=1),
    refusal="Too many failed logins from this address; try again later.",
)
"""Per client address, across accounts (password spraying): 30 failures, then waits like an
account's; an address with no attempt for an hour starts afresh."""


def reserve(db: Session, allowance: Allowance, subject: str) -> None:
    """Count one attempt for `subject`, or raise `TooManyAttempts` if it must wait first.

    Commits: the count is taken, and seen by every other attempt, before a password is checked.
    """
    now = utcnow()
    row = LoginAttempts
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(row)
        .values(scope=allowance.scope, subject=subject, attempts=1, last_attempt_at=now)
        .on_conflict_do_update(
            index_elements=[row.scope, row.subject],
            set_={"attempts": _next_count(allowance, now), "last_attempt_at": now},
            where=_may_try(allowance, now),
        )
        .returning(row.attempts)
    )
    counted = db.execute(statement).scalar_one_or_none()
    db.commit()
    if counted is None:
        raise TooManyAttempts(allowance.refusal, retry_after=_retry_after(db, allowance, subject))


def refund(db: Session, allowance: Allowance, subject: str) -> None:
    """Take back one counted attempt (it succeeded, or it was refused elsewhere); commits."""
    db.execute(
        update(LoginAttempts)
        .where(_key(allowance, subject), LoginAttempts.attempts > 0)
        .values(attempts=LoginAttempts.attempts - 1)
    )
    db.commit()


def forget(db: Session, allowance: Allowance, subject: str) -> None:
    """Start `subject` afresh (its login succeeded); commits."""
    db.execute(delete(LoginAttempts).where(_key(allowance, subject)))
    db.commit()


def _key(allowance: Allowance, subject: str) -> ColumnElement[bool]:
    return and_(LoginAttempts.scope == allowance.scope, LoginAttempts.subject == subject)


def _at(moment: datetime) -> ColumnElement[datetime]:
    return literal(moment, UTCDateTime())


def _may_try(allowance: Allowance, now: datetime) -> ColumnElement[bool]:
    """True when the subject's wait is over: its latest attempt is at least `wait_after` ago."""
    row = LoginAttempts
    latest_allowed = case(
        *((row.attempts == n, _at(now - allowance.wait_after(n))) for n in allowance.steps()),
        else_=_at(now - allowance.max_wait),
    )
    return or_(row.attempts < allowance.free, row.last_attempt_at <= latest_allowed)


def _next_count(allowance: Allowance, now: datetime) -> ColumnElement[int]:
    counted = LoginAttempts.attempts + 1
    if allowance.forget_after is None:
        return counted
    return case(
        (LoginAttempts.last_attempt_at <= _at(now - allowance.forget_after), 1), else_=counted
    )


def _retry_after(db: Session, allowance: Allowance, subject: str) -> int:
    """Whole seconds until the subject's wait is over (at least 1)."""
    found = db.execute(
        select(LoginAttempts.attempts, LoginAttempts.last_attempt_at).where(
            _key(allowance, subject)
        )
    ).one_or_none()
    db.commit()
    if found is None:
        return 1
    attempts, latest = found
    wait = latest + allowance.wait_after(attempts) - utcnow()
    return max(1, math.ceil(wait.total_seconds()))
