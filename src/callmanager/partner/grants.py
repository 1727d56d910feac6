"""Access grants: what the Provisioner signs with Ed25519, and how Call Manager checks one.

A grant is `cmg1.<payload>.<signature>`, both parts base64url without padding. The payload is
JSON: the tenant id, the partner organisation, issued-at and expiry (Unix seconds, at most 15
minutes apart), a single-use nonce, and `kid`, the id of the signing key. The signature covers
the payload segment's bytes exactly as sent. Verifying checks, in order: form, key, signature,
times; the nonce's single use is the exchange's job (it needs the database).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from callmanager.errors import Unauthenticated

GRANT_PREFIX = "cmg1"
MAX_GRANT_LIFETIME = timedelta(minutes=15)
CLOCK_SKEW = timedelta(seconds=60)
MAX_GRANT_LENGTH = 2048
GRANT_PATTERN = rf"^{GRANT_PREFIX}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
"""The form of a grant, as the API documents and checks it before reading one."""

Refusal = Literal["malformed", "unknown_key", "bad_signature", "expired", "not_yet_valid"]


class GrantRefused(Unauthenticated):
    """A grant that does not let anyone in (401); `reason` says why, for the caller and tests."""

    def __init__(self, detail: str, reason: str, grant: AccessGrant | None = None) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason
        self.grant = grant
        """The grant, when its signature held (so its tenant is known): expired, early, too
        long-lived or replayed."""


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """One partner's permission to enter one tenant, briefly, once."""

    tenant_id: uuid.UUID
    partner_org: str
    issued_at: datetime
    expires_at: datetime
    nonce: str


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the start of the SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def new_grant(
    tenant_id: uuid.UUID,
    partner_org: str,
    *,
    now: datetime,
    lifetime: timedelta = MAX_GRANT_LIFETIME,
) -> AccessGrant:
    return AccessGrant(
        tenant_id=tenant_id,
        partner_org=partner_org,
        issued_at=now,
        expires_at=now + lifetime,
        nonce=secrets.token_urlsafe(24),
    )


def sign_grant(grant: AccessGrant, private_key: Ed25519PrivateKey) -> str:
    """The grant as the Provisioner hands it out (what its 'Access Service' button does)."""
    payload = {
        "tid": str(grant.tenant_id),
        "org": grant.partner_org,
        "iat": int(grant.issued_at.timestamp()),
        "exp": int(grant.expires_at.timestamp()),
        "nonce": grant.nonce,
        "kid": key_id(private_key.public_key()),
    }
    segment = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    signature = _b64(private_key.sign(segment.encode()))
    return f"{GRANT_PREFIX}.{segment}.{signature}"


def verify_grant(token: str, public_key: Ed25519PublicKey, *, now: datetime) -> AccessGrant:
    """The grant `token` carries, if the configured Provisioner key signed it and it is current."""
    segment, signature = _split(token)
    payload = _payload(segment)
    if payload.get("kid") != key_id(public_key):
        raise GrantRefused(
            "The grant was signed with a key this service does not know.", "unknown_key"
        )
    try:
        public_key.verify(_unb64(signature), segment.encode())
    except (InvalidSignature, ValueError):
        raise GrantRefused("The grant's signature is not valid.", "bad_signature") from None
    grant = _grant(payload)
    if grant.expires_at - grant.issued_at > MAX_GRANT_LIFETIME:
        raise GrantRefused("The grant lives longer than 15 minutes.", "malformed", grant)
    if grant.issued_at > now + CLOCK_SKEW:
        raise GrantRefused("The grant was issued in the future.", "not_yet_valid", grant)
    if grant.expires_at <= now:
        raise GrantRefused("The grant has expired; ask for a new one.", "expired", grant)
    return grant


def _split(token: str) -> tuple[str, str]:
    parts = token.strip().split(".")
    if len(token) > MAX_GRANT_LENGTH or len(parts) != 3 or parts[0] != GRANT_PREFIX:
        raise GrantRefused("This is not an access grant.", "malformed")
    return parts[1], parts[2]


def _payload(segment: str) -> dict[str, Any]:
    try:
        payload = json.loads(_unb64(segment))
    except (ValueError, UnicodeDecodeError):
        raise GrantRefused("The grant cannot be read.", "malformed") from None
    if not isinstance(payload, dict):
        raise GrantRefused("The grant cannot be read.", "malformed")
    return payload


def _grant(payload: dict[str, Any]) -> AccessGrant:
    try:
        org, nonce = payload["org"], payload["nonce"]
        if not isinstance(org, str) or not isinstance(nonce, str):
            raise TypeError
        if not 1 <= len(org) <= 200 or not 16 <= len(nonce) <= 64:
            raise ValueError
        return AccessGrant(
            tenant_id=uuid.UUID(payload["tid"]),
            partner_org=org,
            issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
            nonce=nonce,
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        raise GrantRefused("The grant lacks a field or has a bad value.", "malformed") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise GrantRefused("The grant cannot be read.", "malformed") from None
