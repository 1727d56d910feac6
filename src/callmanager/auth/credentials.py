"""Random credentials and how they are kept: passwords as Argon2id, tokens only as SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106 parameters
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$1Oi4QAdSS2a+PdzoIrerww"
    "$n+XWpA/AGvSYkzmW87KChQHUUHDJOpfT+G2sSqS7sOE"
)
"""What a login for no account verifies against: a hash of a random password nobody kept, made
with the parameters `hash_password` uses (a test compares them), and written here rather than
made at import, which cost every process ~0.1 s of CPU."""

API_TOKEN_PREFIX = "cmt_"  # noqa: S105 - a public marker, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; spends the same time when there is no account."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
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
