"""Annotated dependency aliases the routers use: services, database session, caller, tenant.

Every dependency here is `async def` and does no I/O on the common path, so FastAPI calls it on
the event loop instead of handing it to a worker thread (see `one_hop.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from callmanager.api.one_hop import request_session
from callmanager.auth.credentials import same
from callmanager.auth.permissions import Permission, allows
from callmanager.auth.principal import Principal, Role, principal_of
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.domain.tenants.models import Tenant
from callmanager.errors import Forbidden, NotFound, Unauthenticated
from callmanager.services import Services
from callmanager.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_db(request: Request) -> Session:
    """The session of the request's unit of work, which its route (`OneHopRoute`) owns: one
    transaction, committed when the handler returns, before the response is sent (so the client,
    and the audit log, which holds the response until its outcome is stored, never see a change
    that is not committed), and rolled back if it raises."""
    return request_session(request)


DbSession = Annotated[Session, Depends(get_db)]


def _principal(request: Request) -> Principal:
    principal = principal_of(request.scope)
    if principal is None:
        raise Unauthenticated("Log in or send a valid API token.")
    if principal.csrf_token is not None and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not same(sent, principal.csrf_token):
            raise Forbidden("Missing or wrong CSRF token (send the X-CSRF-Token header).")
    return principal


async def current_principal(request: Request) -> Principal:
    """The caller, or 401; cookie-authenticated changes must carry the session's CSRF token."""
    return _principal(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_user(principal: CurrentPrincipal) -> Principal:
    """A portal user (not a task or a partner), for account-level endpoints."""
    if principal.kind != "user" or principal.user_id is None:
        raise Forbidden("Only portal users have an account here.")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


@dataclass(frozen=True, slots=True)
class TenantAccess:
    """The tenant a request acts on, who acts, and with which role."""

    tenant_id: uuid.UUID
    principal: Principal
    role: Role

    @property
    def actor_label(self) -> str:
        """How the domain names the actor (partner staff and tasks stay unnamed)."""
        if self.principal.kind == "user" and self.principal.email:
            return self.principal.email
        return "System" if self.principal.kind == "system" else "Partner"


TenantIdPath = Annotated[uuid.UUID, Path(description="The tenant's id.")]


def _tenant_exists(db: Session, tenant_id: uuid.UUID) -> bool:
    return db.scalar(select(Tenant.id).where(Tenant.id == tenant_id)) is not None


def tenant_access(
    permission: Permission,
) -> Callable[..., Coroutine[None, None, TenantAccess]]:
    """A dependency that admits callers whose role in the path's tenant allows `permission`.

    Someone with no role in the tenant gets 404, exactly as for a tenant that does not exist.
    """

    # The session is read here rather than as a sub-dependency: each dependency FastAPI solves
    # costs more than the call it makes (docs/performance.md). The caller stays one, so that a
    # caller without credentials hears 401 before anything about the path.
    async def dependency(
        tenant_id: TenantIdPath, principal: CurrentPrincipal, request: Request
    ) -> TenantAccess:
        role = principal.role_in(tenant_id)
        if role is None:
            raise NotFound("No such tenant.")
        # Only a System task holds a role in every tenant, so only its calls need the lookup.
        if principal.kind == "system" and not await run_in_threadpool(
            _tenant_exists, request_session(request), tenant_id
        ):
            raise NotFound("No such tenant.")
        if not allows(role, permission):
            raise Forbidden(f"{role.plural} may not do this.")
        return TenantAccess(tenant_id=tenant_id, principal=principal, role=role)

    return dependency


TenantReader = Annotated[TenantAccess, Depends(tenant_access(Permission.READ))]
TenantWriter = Annotated[TenantAccess, Depends(tenant_access(Permission.WRITE))]
TenantOwner = Annotated[TenantAccess, Depends(tenant_access(Permission.MANAGE_USERS))]
AuditReader = Annotated[TenantAccess, Depends(tenant_access(Permission.AUDIT_READ))]
SetupReader = Annotated[TenantAccess, Depends(tenant_access(Permission.SETUP_READ))]
SetupWriter = Annotated[TenantAccess, Depends(tenant_access(Permission.SETUP_WRITE))]
