"""Portal users of a tenant: invitations, acceptance, role changes and removal.

The invitation token exists in clear only in the response to the Owner who invites; the
database keeps its SHA-256. The last Owner of a tenant can be neither removed nor demoted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callmanager.auth.credentials import hash_password, new_token, token_hash, verify_password
from callmanager.auth.principal import Role
from callmanager.auth.sessions import revoke_user_sessions
from callmanager.db import utcnow
from callmanager.domain.portal_users.models import Invitation, Membership, User
from callmanager.errors import Conflict, Forbidden, Gone, NotFound


@dataclass(frozen=True, slots=True)
class PortalUser:
    """A user as seen by one tenant: account fields plus their role there."""

    user: User
    membership: Membership


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def list_portal_users(db: Session, tenant_id: uuid.UUID) -> list[PortalUser]:
    rows = db.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant_id)
        .order_by(User.email)
    )
    return [PortalUser(user=user, membership=membership) for user, membership in rows]


def _membership(db: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    membership = db.scalar(
        select(Membership).where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound("No such portal user.")
    return membership


def _owner_count(db: Session, tenant_id: uuid.UUID) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.tenant_id == tenant_id, Membership.role == Role.OWNER)
        )
        or 0
    )


def _refuse_last_owner(db: Session, membership: Membership) -> None:
    if membership.role == Role.OWNER and _owner_count(db, membership.tenant_id) <= 1:
        raise Conflict("The last Owner of a tenant cannot be removed or demoted.")


def change_role(db: Session, tenant_id: uuid.UUID, user_id: uuid.UUID, role: Role) -> PortalUser:
    membership = _membership(db, tenant_id, user_id)
    if role != Role.OWNER:
        _refuse_last_owner(db, membership)
    membership.role = role
    db.flush()
    user = db.get(User, user_id)
    assert user is not None  # the membership's foreign key guarantees it
    return PortalUser(user=user, membership=membership)


def remove_portal_user(db: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> PortalUser:
    membership = _membership(db, tenant_id, user_id)
    _refuse_last_owner(db, membership)
    user = db.get(User, user_id)
    assert user is not None
    db.delete(membership)
    db.flush()
    remaining = db.scalar(
        select(func.count()).select_from(Membership).where(Membership.user_id == user_id)
    )
    if not remaining:
        revoke_user_sessions(db, user_id)
    return PortalUser(user=user, membership=membership)


def invite(
    db: Session,
    tenant_id: uuid.UUID,
    *,
    email: str,
    name: str,
    role: Role,
    invited_by: str | None,
    lifetime: timedelta,
) -> IssuedInvitation:
    email = email.strip().lower()
    existing = db.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == tenant_id, func.lower(User.email) == email)
    )
    if existing is not None:
        raise Conflict(f"{email} is already a portal user of this tenant.")
    token = new_token()
    invitation = Invitation(
        tenant_id=tenant_id,
        email=email,
        name=name,
        role=role,
        token_hash=token_hash(token),
        invited_by=invited_by,
        expires_at=utcnow() + lifetime,
    )
    db.add(invitation)
    db.flush()
    return IssuedInvitation(invitation=invitation, token=token)


def list_invitations(db: Session, tenant_id: uuid.UUID) -> list[Invitation]:
    return list(
        db.scalars(
            select(Invitation)
            .where(
                Invitation.tenant_id == tenant_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def revoke_invitation(db: Session, tenant_id: uuid.UUID, invitation_id: uuid.UUID) -> Invitation:
    invitation = db.get(Invitation, invitation_id)
    if invitation is None or invitation.tenant_id != tenant_id:
        raise NotFound("No such invitation.")
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("This invitation was already accepted or revoked.")
    invitation.revoked_at = utcnow()
    db.flush()
    return invitation


def accept(
    db: Session, tenant_id: uuid.UUID, token: str, password: str, name: str | None
) -> PortalUser:
    """Join the tenant with the invitation's role, creating the account if it is new.

    An existing account must prove itself with its current password.
    """
    invitation = db.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if invitation is None or invitation.tenant_id != tenant_id:
        raise NotFound("No such invitation.")
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Gone("This invitation was already used or revoked.")
    if invitation.expires_at <= utcnow():
        raise Gone("This invitation has expired; ask an Owner for a new one.")
    user = db.scalar(select(User).where(func.lower(User.email) == invitation.email))
    if user is None:
        user = User(
            email=invitation.email,
            name=name or invitation.name,
            password_hash=hash_password(password),
        )
        db.add(user)
        db.flush()
    elif not verify_password(user.password_hash, password):
        raise Forbidden("This email already has an account; give its current password.")
    membership = Membership(tenant_id=tenant_id, user_id=user.id, role=invitation.role)
    db.add(membership)
    invitation.accepted_at = utcnow()
    db.flush()
    return PortalUser(user=user, membership=membership)
