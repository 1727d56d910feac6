"""Portal users and invitations of a tenant; only Owners invite, change roles and remove."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request, status
from pydantic import EmailStr, Field

from callmanager.api.deps import DbSession, SettingsDep, TenantIdPath, TenantOwner, TenantReader
from callmanager.api.one_hop import QuickReadRoute
from callmanager.api.openapi import problem_responses
from callmanager.api.schemas import Password, PersonName, RequestBody, ResponseBody
from callmanager.auth.principal import Role
from callmanager.domain.portal_users import service
from callmanager.domain.portal_users.models import Invitation

router = APIRouter(prefix="/tenants/{tenant_id}", tags=["portal users"], route_class=QuickReadRoute)


class PortalUserOut(ResponseBody):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    joined_at: datetime


def portal_user_out(pu: service.PortalUser) -> PortalUserOut:
    return PortalUserOut(
        id=pu.user.id,
        email=pu.user.email,
        name=pu.user.name,
        role=Role(pu.membership.role),
        joined_at=pu.membership.created_at,
    )


class RoleChange(RequestBody):
    role: Role


class InvitationIn(RequestBody):
    email: EmailStr = Field(max_length=320)
    name: PersonName
    role: Role


class InvitationOut(ResponseBody):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    invited_by: str | None
    created_at: datetime
    expires_at: datetime


class IssuedInvitationOut(InvitationOut):
    token: str = Field(description="Shown only in this response; the invitee needs it to join.")
    invitation_url: str


class AcceptIn(RequestBody):
    token: str = Field(min_length=1, max_length=200)
    password: Password
    name: PersonName | None = None


class AcceptedOut(ResponseBody):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role


@router.get("/portal-users", response_model=list[PortalUserOut])
def list_portal_users(access: TenantReader, db: DbSession) -> list[PortalUserOut]:
    return [portal_user_out(pu) for pu in service.list_portal_users(db, access.tenant_id)]


@router.patch("/portal-users/{user_id}", response_model=PortalUserOut)
def change_role(
    user_id: uuid.UUID, body: RoleChange, access: TenantOwner, db: DbSession
) -> PortalUserOut:
    changed = service.change_role(db, access.tenant_id, user_id, body.role)
    return portal_user_out(changed)


@router.delete("/portal-users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_portal_user(user_id: uuid.UUID, access: TenantOwner, db: DbSession) -> None:
    service.remove_portal_user(db, access.tenant_id, user_id)


@router.get("/invitations", response_model=list[InvitationOut])
def list_invitations(access: TenantReader, db: DbSession) -> list[InvitationOut]:
    return [InvitationOut.model_validate(i) for i in service.list_invitations(db, access.tenant_id)]


def invitation_url(base_url: str, invitation: Invitation, token: str) -> str:
    query = urlencode({"tenant": str(invitation.tenant_id), "token": token})
    return f"{base_url.rstrip('/')}/accept-invitation?{query}"


@router.post(
    "/invitations", response_model=IssuedInvitationOut, status_code=status.HTTP_201_CREATED
)
def invite(
    body: InvitationIn, access: TenantOwner, db: DbSession, settings: SettingsDep, request: Request
) -> IssuedInvitationOut:
    """Invite someone; the token and link are in this response only (the log keeps a summary)."""
    issued = service.invite(
        db,
        access.tenant_id,
        email=str(body.email),
        name=body.name,
        role=body.role,
        invited_by=access.actor_label,
        lifetime=timedelta(days=settings.invitation_days),
    )
    summary = InvitationOut.model_validate(issued.invitation).model_dump()
    return IssuedInvitationOut(
        **summary,
        token=issued.token,
        invitation_url=invitation_url(str(request.base_url), issued.invitation, issued.token),
    )


# `:uuid`, so `/invitations/accept` is only ever the accept route (`Allow` says just POST there).
@router.delete("/invitations/{invitation_id:uuid}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invitation(invitation_id: uuid.UUID, access: TenantOwner, db: DbSession) -> None:
    service.revoke_invitation(db, access.tenant_id, invitation_id)


@router.post(
    "/invitations/accept",
    response_model=AcceptedOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(410),
)
def accept_invitation(tenant_id: TenantIdPath, body: AcceptIn, db: DbSession) -> AcceptedOut:
    """Join the tenant with an invitation token; needs no login."""
    joined = service.accept(db, tenant_id, body.token, body.password, body.name)
    return AcceptedOut(
        user_id=joined.user.id,
        email=joined.user.email,
        name=joined.user.name,
        role=Role(joined.membership.role),
    )
