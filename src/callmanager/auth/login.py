"""Password login, slowed down after repeated failures for the same email."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callmanager.auth.credentials import verify_password
from callmanager.auth.models import LoginFailure
from callmanager.db import utcnow
from callmanager.domain.portal_users.models import User
from callmanager.errors import CallManagerError, Unauthenticated

FREE_ATTEMPTS = 5
MAX_LOCKOUT = timedelta(minutes=15)


class TooManyAttempts(CallManagerError):
    status, type_slug, title = 429, "too-many-attempts", "Too many failed logins"


def _lockout(failures: int) -> timedelta:
    """No wait for the first few failures, then doubling waits up to a cap."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_ATTEMPTS + 1)), MAX_LOCKOUT)


def authenticate(db: Session, email: str, password: str) -> User:
    """The user with these credentials; raises Unauthenticated or TooManyAttempts."""
    email = email.strip().lower()
    failure = db.get(LoginFailure, email)
    if failure is not None:
        wait_until = failure.last_failed_at + _lockout(failure.count)
        if wait_until > utcnow():
            retry = int((wait_until - utcnow()).total_seconds()) + 1
            raise TooManyAttempts(
                "Too many failed logins for this account; try again later.", retry_after=retry
            )
    user = db.scalar(select(User).where(func.lower(User.email) == email))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        _record_failure(db, email, failure)
        raise Unauthenticated("Email or password is wrong.")
    if failure is not None:
        db.delete(failure)
    return user


def _record_failure(db: Session, email: str, failure: LoginFailure | None) -> None:
    if failure is None:
        db.add(LoginFailure(email=email, count=1, last_failed_at=utcnow()))
    else:
        failure.count += 1
        failure.last_failed_at = utcnow()
    db.commit()
