"""Pure ASGI middleware that gives every response the headers it must carry, e.g. `nosniff`,
whichever part of the service made it: an endpoint, an error handler, static files."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = {"X-Content-Type-Options": "nosniff"}
"""Browsers must take the declared Content-Type at its word: JSON is never run as a script."""


class DefaultHeadersMiddleware:
    """Adds `headers` to each HTTP response that does not already set them itself."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str] = NOSNIFF) -> None:
        self.app = app
        self.headers = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
        self.names = frozenset(name for name, _ in self.headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw} & self.names
                raw += [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, send_with_headers)
