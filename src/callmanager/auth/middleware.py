"""Pure ASGI middleware that resolves the caller before anything else runs.

It never refuses a request itself: it leaves a `Principal` (or nothing) in the scope, so the
audit middleware inside it knows the actor from the start and the endpoint's dependencies
decide, visibly to the audit log, whether to refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from callmanager.auth.credentials import API_TOKEN_PREFIX, same
from callmanager.auth.principal import SCOPE_KEY, Principal
from callmanager.auth.principals import Principals
from callmanager.auth.resolve import system_principal
from callmanager.auth.sessions import SESSION_COOKIE

SYSTEM_SCHEME = "system"
TASK_HEADER = b"x-callmanager-task"
_TASK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class AuthMiddleware:
    """Resolves session cookies, `Bearer` API tokens and the in-process system credential."""

    def __init__(
        self, app: ASGIApp, principals: Principals, system_secret: Callable[[], str]
    ) -> None:
        self.app = app
        self.principals = principals
        self.system_secret = system_secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            principal = await self._resolve(scope)
            if principal is not None:
                scope[SCOPE_KEY] = principal
        await self.app(scope, receive, send)

    async def _resolve(self, scope: Scope) -> Principal | None:
        authorization = ""
        cookie_header = ""
        task = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"cookie":
                cookie_header = value.decode("latin-1")
            elif name == TASK_HEADER:
                task = value.decode("latin-1")
        scheme, _, credential = authorization.partition(" ")
        scheme = scheme.lower()
        credential = credential.strip()
        if scheme == SYSTEM_SCHEME:
            return self._system(credential, task)
        if scheme == "bearer" and credential.startswith(API_TOKEN_PREFIX):
            return await self.principals.from_token(credential)
        cookie = _cookie(cookie_header, SESSION_COOKIE)
        if cookie:
            return await self.principals.from_session(cookie)
        return None

    def _system(self, credential: str, task: str) -> Principal | None:
        if not credential or not same(credential, self.system_secret()):
            return None
        if not _TASK_NAME.match(task):
            return None
        return system_principal(task)


def _cookie(header: str, name: str) -> str:
    """The cookie's value as Starlette's `Request.cookies` reads it (as browsers send them; a
    twentieth of `SimpleCookie`'s time)."""
    return cookie_parser(header).get(name, "") if header else ""
