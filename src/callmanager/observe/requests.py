"""Pure ASGI middleware that observes each HTTP request once it is answered and hands the
observation to a few small observers (the request log line, the request metrics)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, compile_path
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

    def __init__(
        self, app: ASGIApp, observers: Sequence[Observer], routes: Sequence[BaseRoute] = ()
    ) -> None:
        self.app = app
        self.observers = tuple(observers)
        self.templates = RouteTemplates(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.observers:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        watch = _StatusWatch(send)
        try:
            await self.app(scope, receive, watch)
        finally:
            template, tenant = self.templates(scope)
            finished = _finished(scope, template, tenant, watch, started)
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
    """The whole path template of the route that answered a request, and its tenant.

    A route of an included router knows only its own part (`/auth/me` under `/api/v1`): the
    part before it is found once per route, from the first path it matched, and kept. A
    request answered before routing (a change the audit middleware refused with 503 because
    the audit store is down) has no route in its scope: the app's `routes` are matched against
    its path instead, so it is counted and logged under its route and tenant all the same.
    """

    def __init__(self, routes: Sequence[BaseRoute] = ()) -> None:
        self._prefixes: dict[int, tuple[object, str]] = {}
        self._routes = routes
        self._templates: list[tuple[re.Pattern[str], str, frozenset[str]]] | None = None

    def __call__(self, scope: Scope) -> tuple[str, str | None]:
        route = scope.get("route")
        template = getattr(route, "path", None)
        if route is None or not isinstance(template, str):
            return self._unrouted(scope)
        known = self._prefixes.get(id(route))
        if known is None:
            known = self._prefixes[id(route)] = (route, _prefix(route, scope["path"]))
        tenant = (scope.get("path_params") or {}).get("tenant_id")
        return known[1] + template, str(tenant) if tenant is not None else None

    def _unrouted(self, scope: Scope) -> tuple[str, str | None]:
        if self._templates is None:  # once, when every route is in place
            self._templates = [
                (compile_path(path)[0], path, frozenset(context.methods or ()))
                for context in iter_route_contexts(self._routes)
                if (path := context.path) is not None
            ]
        path, method = scope["path"], scope["method"]
        for regex, template, methods in self._templates:
            found = regex.match(path)
            if found is not None and (not methods or method in methods):
                return template, found.groupdict().get("tenant_id")
        return UNMATCHED, None


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


def _finished(
    scope: Scope, template: str, tenant: str | None, watch: _StatusWatch, started: float
) -> Finished:
    duration_s = time.perf_counter() - started
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
        tenant=tenant,
        actor_type=principal.kind if principal is not None else "anonymous",
        audit_entry_id=watch.entry_id,
    )
