"""A tenant's founding: an operator creates it at the command line with its first Owner's
invitation, outside any tenant's API path, so the audit middleware never sees it. Without these
entries a tenant's log would begin with a stranger accepting an invitation nobody issued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from asgi_audit import Action, Actor, ActorType, Resource, record_entry
from callmanager.auth.principal import Role
from callmanager.domain.portal_users.service import IssuedInvitation, invite
from callmanager.domain.tenants.models import Tenant
from callmanager.domain.tenants.service import create_tenant
from callmanager.services import Services

OPERATOR = "tenant-create"
"""The operator's command, as the log names the actor: no person of the tenant did it."""
SOURCE = "Command line"
METHOD = "CLI"
COMMAND = "callmanager tenant create"


@dataclass(frozen=True)
class Founded:
    tenant: Tenant
    invitation: IssuedInvitation


async def found_tenant(
    services: Services,
    *,
    name: str,
    time_zone: str,
    microsoft_tenant_id: str | None,
    owner_email: str,
    owner_name: str,
    occurred_at: datetime | None = None,
) -> Founded:
    """Create the tenant and its Owner's invitation in one transaction, then record both as the
    first entries of its log (durably, through the app's running audit writer)."""
    with services.unit_of_work() as uow:
        tenant = create_tenant(uow.session, name, time_zone, microsoft_tenant_id)
        issued = invite(
            uow.session,
            tenant.id,
            email=owner_email,
            name=owner_name,
            role=Role.OWNER,
            invited_by=None,
            lifetime=timedelta(days=services.settings.invitation_days),
        )
        uow.commit()
    sink = services.audit_writer
    if sink is not None:
        operator = Actor(ActorType.SYSTEM, OPERATOR, None, OPERATOR)
        made = (
            (
                f"Created tenant '{tenant.name}' (time zone {tenant.time_zone})",
                Resource("tenant", str(tenant.id), tenant.name),
            ),
            (
                f"Invited '{issued.invitation.email}' as {Role.OWNER.label}",
                Resource("invitation", str(issued.invitation.id), issued.invitation.email),
            ),
        )
        for summary, resource in made:
            await record_entry(
                sink,
                tenant_id=tenant.id,
                actor=operator,
                source=SOURCE,
                action=Action.CREATE,
                method=METHOD,
                path=COMMAND,
                summary=summary,
                status=201,
                resource=resource,
                occurred_at=occurred_at,
            )
    return Founded(tenant, issued)
