"""Random credentials and how they are kept: passwords as Argon2id, tokens only as SHA-256."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106 parameters


@functools.cache
def _dummy_hash() -> str:
    """What a login for no account verifies against: made on first use, not at import (a hash
    costs ~0.1 s of CPU, which every process importing this module paid)."""
    return _hasher.hash("not-a-real-password-only-for-equal-timing")


API_TOKEN_PREFIX = "cmt_"  # noqa: S105 - a public marker, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; spends the same time when there is no account."""
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "") -> str:
    """A URL-safe random secret of 256 bits."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256, enough to find it again, useless to replay."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
