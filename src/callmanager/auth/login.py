"""Password login: each attempt counted for its account and its client address before the
password is checked (see `throttle`), and the same Argon2 work whether the account exists."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callmanager.auth.credentials import verify_password
from callmanager.auth.throttle import ACCOUNT, ADDRESS, forget, refund, reserve
from callmanager.domain.portal_users.models import User
from callmanager.errors import TooManyAttempts, Unauthenticated


def authenticate(db: Session, email: str, password: str, address: str) -> User:
    """The user with these credentials, asked from `address`.

    Raises TooManyAttempts (the account or the address must wait) or Unauthenticated. Each
    step commits on its own: on SQLite a write in a transaction that has read may fail at
    once instead of waiting its turn.
    """
    email = email.strip().lower()
    db.commit()
    reserve(db, ADDRESS, address)
    try:
        reserve(db, ACCOUNT, email)
    except TooManyAttempts:
        refund(db, ADDRESS, address)  # no password was checked
        raise
    user = db.scalar(select(User).where(func.lower(User.email) == email))
    db.commit()
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthenticated("Email or password is wrong.")
    forget(db, ACCOUNT, email)
    refund(db, ADDRESS, address)  # the address counts failures, not logins
    return user
