"""Login, logout, the caller's own account, and personal API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response, status
from pydantic import EmailStr, Field

from callmanager.api.deps import CurrentPrincipal, CurrentUser, DbSession, SettingsDep
from callmanager.api.one_hop import QuickReadRoute
from callmanager.api.schemas import Name, RequestBody, ResponseBody
from callmanager.auth.login import authenticate
from callmanager.auth.resolve import principal_from_session
from callmanager.auth.sessions import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    IssuedSession,
    open_session,
    revoke_session,
)
from callmanager.auth.tokens import create_token, list_tokens, revoke_token
from callmanager.db import utcnow
from callmanager.domain.tenants.service import list_tenants

router = APIRouter(prefix="/auth", tags=["auth"], route_class=QuickReadRoute)


class LoginBody(RequestBody):
    email: EmailStr = Field(max_length=320)
    password: str = Field(min_length=1, max_length=256)


class TenantRole(ResponseBody):
    id: uuid.UUID
    name: str
    time_zone: str
    role: str


class Me(ResponseBody):
    kind: str
    user_id: uuid.UUID | None
    email: str | None
    name: str | None
    tenants: list[TenantRole]
    csrf_token: str | None


def set_session_cookies(response: Response, request: Request, issued: IssuedSession) -> None:
    """The session cookie (HttpOnly) and the CSRF cookie the UI echoes in a header."""
    secure = request.url.scheme == "https"
    max_age = int((issued.expires_at - utcnow()).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, issued.token, max_age=max_age, httponly=True, samesite="lax", secure=secure
    )
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
    )


def _me(db: DbSession, principal: CurrentPrincipal, csrf_token: str | None) -> Me:
    tenants = list_tenants(db, list(principal.roles))
    return Me(
        kind=principal.kind,
        user_id=principal.user_id,
        email=principal.email,
        name=principal.name,
        tenants=[
            TenantRole(id=t.id, name=t.name, time_zone=t.time_zone, role=principal.roles[t.id])
            for t in tenants
        ],
        csrf_token=csrf_token,
    )


@router.post("/login", response_model=Me)
def login(
    body: LoginBody, request: Request, response: Response, db: DbSession, settings: SettingsDep
) -> Me:
    """Exchange email and password for a session cookie; returns the account and its CSRF token."""
    address = request.client.host if request.client else "unknown"
    user = authenticate(db, str(body.email), body.password, address)
    issued = open_session(db, lifetime=timedelta(hours=settings.session_hours), user_id=user.id)
    set_session_cookies(response, request, issued)
    principal = principal_from_session(db, issued.token)
    assert principal is not None
    return _me(db, principal, issued.csrf_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentPrincipal, db: DbSession, response: Response) -> None:
    """End this session on the server; the cookie is useless afterwards."""
    if principal.session_id is not None:
        revoke_session(db, uuid.UUID(principal.session_id))
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal, db: DbSession) -> Me:
    """Who is logged in, their tenants and roles, and the CSRF token for this session."""
    return _me(db, principal, principal.csrf_token)


class TokenBody(RequestBody):
    name: Name
    expires_in_days: int | None = Field(default=None, ge=1, le=366)


class TokenOut(ResponseBody):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(description="Shown only in this response; store it now.")


@router.post("/tokens", response_model=IssuedTokenOut, status_code=status.HTTP_201_CREATED)
def create_api_token(body: TokenBody, user: CurrentUser, db: DbSession) -> IssuedTokenOut:
    """Create a personal API token; use it as `Authorization: Bearer <token>`."""
    assert user.user_id is not None
    expires = utcnow() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    issued = create_token(db, user.user_id, body.name, expires)
    return IssuedTokenOut.model_validate(
        {**TokenOut.model_validate(issued.record).model_dump(), "token": issued.token}
    )


@router.get("/tokens", response_model=list[TokenOut])
def list_api_tokens(user: CurrentUser, db: DbSession) -> list[TokenOut]:
    assert user.user_id is not None
    return [TokenOut.model_validate(t) for t in list_tokens(db, user.user_id)]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_token(token_id: uuid.UUID, user: CurrentUser, db: DbSession) -> None:
    assert user.user_id is not None
    revoke_token(db, user.user_id, token_id)
