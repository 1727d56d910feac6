"""Exchanging a verified access grant for a partner session, once per grant.

The grant's nonce is stored in the same transaction as the session, so a grant replayed (even
concurrently) finds its nonce taken and is refused. The session names the tenant and the partner
organisation only: partner staff act with Owner rights and stay anonymous to the tenant.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callmanager.auth.sessions import IssuedSession, open_session
from callmanager.domain.tenants.models import Tenant
from callmanager.errors import Forbidden
from callmanager.partner.grants import GrantRefused, verify_grant
from callmanager.partner.models import UsedGrantNonce

MAX_PARTNER_SESSION = timedelta(hours=8)


@dataclass(frozen=True, slots=True)
class PartnerEntry:
    """A partner session just opened on `tenant_id`."""

    tenant_id: uuid.UUID
    session: IssuedSession


def exchange_grant(
    db: Session,
    token: str,
    *,
    tenant_id: uuid.UUID,
    public_key: Ed25519PublicKey,
    now: datetime,
    session_lifetime: timedelta = MAX_PARTNER_SESSION,
) -> PartnerEntry:
    """Verify `token` for `tenant_id`, spend its nonce and open a partner session (≤ 8 hours).

    Raises GrantRefused (401) for a malformed, forged, unknown-key, expired or replayed grant,
    and Forbidden (403) for a grant naming another tenant or one this service does not have.
    """
    grant = verify_grant(token, public_key, now=now)
    if grant.tenant_id != tenant_id:
        raise Forbidden("The grant is for another tenant.", reason="wrong_tenant")
    if db.get(Tenant, grant.tenant_id) is None:
        raise Forbidden(
            "The grant names a tenant this service does not have.", reason="wrong_tenant"
        )
    db.execute(delete(UsedGrantNonce).where(UsedGrantNonce.expires_at < now))
    db.add(
        UsedGrantNonce(
            nonce=grant.nonce, tenant_id=grant.tenant_id, expires_at=grant.expires_at, used_at=now
        )
    )
    try:
        db.flush()
    except IntegrityError:
        raise GrantRefused(
            "The grant was already used; ask for a new one.", "replayed", grant
        ) from None
    issued = open_session(
        db,
        lifetime=min(session_lifetime, MAX_PARTNER_SESSION),
        tenant_id=grant.tenant_id,
        partner_org=grant.partner_org,
    )
    return PartnerEntry(tenant_id=grant.tenant_id, session=issued)
