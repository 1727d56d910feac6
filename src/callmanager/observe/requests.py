"""Pure ASGI middleware that observes each HTTP request once it is answered and hands the
observation to a few small observers (the request log line, the request metrics)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asgi_audit.capture.entry_header import ENTRY_ID_HEADER
from callmanager.audit_rules import REDACT_QUERY
from callmanager.auth.principal import principal_of

UNMATCHED = "<unmatched>"
"""The route of a request no route matched (its path is not a label: unbounded)."""
ENTRY_ID = ENTRY_ID_HEADER.lower().encode()


@dataclass(frozen=True, slots=True)
class Finished:
    """One answered request, as operators see it: no body, no credential, no secret query."""

    method: str
    route: str
    """The route's path template (`/api/v1/tenants/{tenant_id}/groups`), bounded in number."""
    path: str
    """The path and query, secret query parameters redacted like the audit record's."""
    status: int
    duration_s: float
    tenant: str | None
    actor_type: str
    """`user`, `system`, `partner` or `anonymous`: who called, never which person."""
    audit_entry_id: str | None


Observer = Callable[[Finished], None]


class RequestObserver:
    """Times each request and reads what it was after the inner app answered (route, tenant
    and principal are in the scope by then; the entry id in the response's headers)."""

    def __init__(self, app: ASGIApp, observers: Sequence[Observer]) -> None:
        self.app = app
        self.observers = tuple(observers)
        self.templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.observers:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        watch = _StatusWatch(send)
        try:
            await self.app(scope, receive, watch)
        finally:
            finished = _finished(scope, self.templates(scope), watch, started)
            for observer in self.observers:
                observer(finished)


class _StatusWatch:
    """The client's `send`, noting the status and the audit entry id as they pass."""

    __slots__ = ("entry_id", "send", "status")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500  # what the server answers for an app that failed before responding
        self.entry_id: str | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", ()):
                if name == ENTRY_ID:
                    self.entry_id = value.decode("latin-1")
        await self.send(message)


class RouteTemplates:
    """The whole path template of the route that answered a request.

    A route of an included router knows only its own part (`/auth/me` under `/api/v1`): the
    part before it is found once per route, from the first path it matched, and kept.
    """

    def __init__(self) -> None:
        self._prefixes: dict[int, tuple[object, str]] = {}

    def __call__(self, scope: Scope) -> str:
        route = scope.get("route")
        template = getattr(route, "path", None)
        if route is None or not isinstance(template, str):
            return UNMATCHED
        known = self._prefixes.get(id(route))
        if known is None:
            known = self._prefixes[id(route)] = (route, _prefix(route, scope["path"]))
        return known[1] + template


def _prefix(route: object, path: str) -> str:
    """The shortest leading part of `path` (up to a `/`) after which `route` matches."""
    regex = getattr(route, "path_regex", None)
    if regex is None:
        return ""
    start = 0
    while start >= 0:
        if regex.match(path[start:]):
            return path[:start]
        start = path.find("/", start + 1)
    return ""


def _finished(scope: Scope, template: str, watch: _StatusWatch, started: float) -> Finished:
    duration_s = time.perf_counter() - started
    params = scope.get("path_params") or {}
    tenant = params.get("tenant_id")
    principal = principal_of(scope)
    path: str = scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"")
    if query:
        path = f"{path}?{REDACT_QUERY(query.decode('latin-1'))}"
    return Finished(
        method=scope["method"],
        route=template,
        path=path,
        status=watch.status,
        duration_s=duration_s,
        tenant=str(tenant) if tenant is not None else None,
        actor_type=principal.kind if principal is not None else "anonymous",
        audit_entry_id=watch.entry_id,
    )
