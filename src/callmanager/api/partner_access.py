"""Access Service: exchange a Provisioner-signed grant for a partner session, by API or browser."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import Field

from asgi_audit.capture.entry_header import ENTRY_ID_HEADER
from callmanager.api.auth import set_session_cookies
from callmanager.api.deps import ServicesDep
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.schemas import RequestBody, ResponseBody
from callmanager.db import utcnow
from callmanager.errors import Unavailable
from callmanager.partner.audit import PartnerEntries
from callmanager.partner.grants import GRANT_PATTERN, MAX_GRANT_LENGTH, GrantRefused
from callmanager.partner.keys import trusted_public_key
from callmanager.partner.service import PartnerEntry, exchange_grant
from callmanager.services import Services
from callmanager.settings import Settings

PATH = "/api/v1/partner-access"
"""The API's exchange (its entries' path and route), also listed as audited in the OpenAPI."""

router = APIRouter(prefix="/partner-access", tags=["partner access"], route_class=OneHopRoute)
browser_router = APIRouter(tags=["partner access"], route_class=OneHopRoute)

GrantToken = Annotated[str, Field(max_length=MAX_GRANT_LENGTH, pattern=GRANT_PATTERN)]


class GrantBody(RequestBody):
    grant: GrantToken
    tenant_id: uuid.UUID


class PartnerSessionOut(ResponseBody):
    tenant_id: uuid.UUID
    expires_at: datetime
    csrf_token: str
    ui_url: str


def _enter(
    services: Services, grant: str, tenant_id: uuid.UUID, method: str, route: str
) -> tuple[PartnerEntry, dict[str, str]]:
    """The partner session, committed, and then its start recorded in the tenant's log, as is
    a refused grant whose tenant is known (`partner/audit.py`); with the headers that name
    the entry (`Audit-Entry-Id`, on a refusal's problem too). The session is this call's own
    unit of work, so the audit writer never waits on the handler's write lock."""
    settings = services.settings
    entries = PartnerEntries(services.audit_writer, services.session_factory, route, method)
    try:
        with services.unit_of_work() as uow:
            entry = exchange_grant(
                uow.session,
                grant,
                tenant_id=tenant_id,
                public_key=_public_key(settings),
                now=utcnow(),
                session_lifetime=timedelta(hours=settings.session_hours),
            )
            uow.commit()
    except GrantRefused as refused:
        if refused.grant is not None:
            named = entries.refused(refused.grant.tenant_id, refused.reason, refused.status)
            refused.headers.update(_naming(named))
        raise
    return entry, _naming(entries.started(entry.tenant_id, entry.session.expires_at))


def _naming(entry_id: uuid.UUID | None) -> dict[str, str]:
    return {} if entry_id is None else {ENTRY_ID_HEADER: str(entry_id)}


def _public_key(settings: Settings) -> Ed25519PublicKey:
    try:
        return trusted_public_key(settings)
    except ValueError as exc:
        raise Unavailable(f"The Provisioner public key is misconfigured: {exc}") from exc


@router.post("", response_model=PartnerSessionOut)
def exchange(
    body: GrantBody, request: Request, response: Response, services: ServicesDep
) -> PartnerSessionOut:
    """A partner session (Owner rights on the grant's tenant) as cookies, plus its CSRF token."""
    entry, headers = _enter(services, body.grant, body.tenant_id, "POST", PATH)
    response.headers.update(headers)
    set_session_cookies(response, request, entry.session)
    return PartnerSessionOut(
        tenant_id=entry.tenant_id,
        expires_at=entry.session.expires_at,
        csrf_token=entry.session.csrf_token,
        ui_url="/",
    )


@browser_router.get("/partner-access", include_in_schema=False)
def enter_in_browser(
    request: Request,
    services: ServicesDep,
    grant: Annotated[str, Query(min_length=1, max_length=MAX_GRANT_LENGTH)],
    tenant: uuid.UUID,
) -> RedirectResponse:
    """The link the Provisioner's 'Access Service' button opens: log in and go to the UI."""
    entry, headers = _enter(services, grant, tenant, "GET", "/partner-access")
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER, headers=headers)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the grant is in this page's URL
    set_session_cookies(response, request, entry.session)
    return response
