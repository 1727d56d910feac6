"""A tiny Starlette app behind the audit middleware, and a raw ASGI caller, for capture tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from asgi_audit import (
    ANONYMOUS,
    Action,
    Actor,
    ActorType,
    Attribution,
    AuditMiddleware,
    AuditPolicy,
    AuditSink,
    RouteRule,
)
from asgi_audit.redact import Redactor
from asgi_audit.types import ASGIApp, Message, Scope

TENANT = uuid.UUID("0b6f3c9e-1d2a-4e5f-8a7b-9c0d1e2f3a4b")
BASE = f"/api/v1/tenants/{TENANT}"
T = "/api/v1/tenants/{tenant_id}"
TOKEN = "tok-5ecret-invitation"
INVALID_UTF8 = b"\xff\xfe\xfa not utf-8 \xc3\x28"
LOG_COPY = {"items": [{"summary": "Created group 'Sales'", "token_hint": "copied-entry"}]}
"""What `GET .../log` answers: a route whose rule stores no response body."""


@dataclass
class Calls:
    """What the handlers saw, so tests can tell whether a handler ran."""

    ran: list[str] = field(default_factory=list)
    on_handler: Callable[[], None] | None = None

    def hit(self, handler: str) -> None:
        self.ran.append(handler)
        if self.on_handler:
            self.on_handler()


def build_app(calls: Calls) -> Starlette:
    async def create_group(request: Request) -> Response:
        calls.hit("create_group")
        body = await request.json()
        return JSONResponse({"id": "g-1", "name": body.get("name")}, status_code=201)

    async def list_groups(request: Request) -> Response:
        calls.hit("list_groups")
        return JSONResponse({"items": [{"id": "g-1", "name": "Sales"}]})

    async def echo(request: Request) -> Response:
        calls.hit("echo")
        body = await request.body()
        media = request.headers.get("content-type", "application/octet-stream")
        return Response(body, media_type=media)

    async def stream(request: Request) -> Response:
        calls.hit("stream")
        await request.body()

        async def chunks() -> AsyncIterator[bytes]:
            for chunk in (b'{"part": 1', INVALID_UTF8, b"}", b"x" * 70_000, b"end"):
                yield chunk

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    async def invite(request: Request) -> Response:
        calls.hit("invite")
        body = await request.json()
        return JSONResponse(
            {
                "id": "inv-1",
                "email": body["email"],
                "name": "Bob",
                "role": "reader",
                "expires_at": "2026-12-01T00:00:00Z",
                "token": TOKEN,
                "invitation_url": f"https://x.example/accept?token={TOKEN}",
            },
            status_code=201,
        )

    async def boom(request: Request) -> Response:
        calls.hit("boom")
        raise RuntimeError("handler failed")

    async def search(request: Request) -> Response:
        calls.hit("search")
        return JSONResponse({"items": []})

    async def log_copy(request: Request) -> Response:
        calls.hit("log_copy")
        if request.query_params.get("fail"):
            problem = {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "x"}
            return JSONResponse(problem, 400, media_type="application/problem+json")
        return JSONResponse(LOG_COPY)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route(f"{T}/groups", create_group, methods=["POST"]),
            Route(f"{T}/groups", list_groups, methods=["GET"]),
            Route(f"{T}/echo", echo, methods=["POST", "GET", "PUT"]),
            Route(f"{T}/stream", stream, methods=["GET", "POST"]),
            Route(f"{T}/invitations", invite, methods=["POST"]),
            Route(f"{T}/boom", boom, methods=["POST", "GET"]),
            Route(f"{T}/groups/search", search, methods=["POST"]),
            Route(f"{T}/log", log_copy, methods=["GET"]),
            Route("/health", health),
        ]
    )


RULES = [
    RouteRule("POST", f"{T}/groups/search", action=Action.READ, resource_type="group"),
    RouteRule("POST", f"{T}/groups", resource_type="group"),
    RouteRule("GET", f"{T}/groups", resource_type="group", summary="Listed groups"),
    RouteRule(
        "POST",
        f"{T}/invitations",
        resource_type="invitation",
        sensitive=("id", "email", "name", "role", "expires_at"),
    ),
    RouteRule("GET", f"{T}/log", resource_type="log", response_body=False),
]


def attribute(scope: Scope, tenant_id: uuid.UUID) -> Attribution:
    user = scope.get("test.user")
    if user is None:
        return Attribution(ANONYMOUS, "API")
    return Attribution(Actor(ActorType.USER, "u-1", user, "Alice"), "API")


def audited(
    calls: Calls, sink: AuditSink, redactor: Redactor | None = None, **options: Any
) -> ASGIApp:
    policy = AuditPolicy(attribute=attribute, rules=RULES, redactor=redactor)
    return AuditMiddleware(build_app(calls), policy=policy, sink=sink, **options)


@dataclass
class Sent:
    """Everything the app sent to the client."""

    messages: list[Message]

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.messages[0]["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    *,
    chunks: Sequence[bytes] = (b"",),
    headers: Sequence[tuple[str, str]] = (),
    query: bytes = b"",
    scope_extra: dict[str, Any] | None = None,
    on_send: Callable[[Message], None] | None = None,
) -> Sent:
    """Drive `app` with a raw scope, a receive that yields `chunks`, and a recording send."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        "client": ("203.0.113.7", 51234),
        "server": ("testserver", 80),
        **(scope_extra or {}),
    }
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        await anyio.sleep_forever()  # the client stays connected until the response is done
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        if on_send:
            on_send(message)
        sent.append(message)

    await app(scope, receive, send)
    return Sent(sent)
