"""The response side of an audited call: what was sent (status, type, body) observed as it
passes, and — for a modification — the messages held back until the outcome is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgi_audit.bodies import BodyBuffer
from asgi_audit.types import Message, Send


class ResponseTap:
    """The application's `send` for a read: records each message, then passes it on."""

    __slots__ = ("body", "content_type", "encoded", "send", "status")

    def __init__(self, send: Send, limit: int) -> None:
        self.send = send
        self.body = BodyBuffer(limit)
        self.status: int | None = None
        self.content_type: str | None = None
        self.encoded = False

    def observe(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", ()):
                name = name.lower()
                if name == b"content-type":
                    self.content_type = value.decode("latin-1")[:200]
                elif name == b"content-encoding" and value.lower() != b"identity":
                    self.encoded = True
        elif kind == "http.response.body":
            self.body.add(message.get("body", b""))
            if not message.get("more_body", False):
                self.body.complete = True

    async def __call__(self, message: Message) -> None:
        self.observe(message)
        await self.send(message)


class ResponseHolder(ResponseTap):
    """The application's `send` for a modification: holds the response back and, when its
    final message comes, awaits `on_final` — which stores the outcome and then `release`s the
    response (or `drop`s it to answer otherwise). A body that outgrows the capture limit is
    released as it comes, and then only its final message waits for the outcome."""

    __slots__ = ("held", "held_size", "on_final", "released")

    def __init__(self, send: Send, limit: int) -> None:
        super().__init__(send, limit)
        self.on_final: Callable[[], Awaitable[None]] | None = None
        self.held: list[Message] = []
        self.held_size = 0
        self.released = False

    async def __call__(self, message: Message) -> None:
        self.observe(message)
        kind = message["type"]
        if kind == "http.response.body" and self.body.complete:
            self.held.append(message)
            assert self.on_final is not None, "the durable flow sets on_final"
            await self.on_final()
        elif self.released:
            await self.send(message)
        elif kind in ("http.response.start", "http.response.body"):
            self.held.append(message)
            self.held_size += len(message.get("body", b""))
            if self.held_size > self.body.limit:
                await self.release()
        else:
            await self.release()
            await self.send(message)

    async def release(self) -> None:
        """Send everything held, and from now on pass messages straight through."""
        self.released = True
        held, self.held = self.held, []
        for message in held:
            await self.send(message)

    def drop(self) -> None:
        """Forget the held messages: the caller answers with something else."""
        self.held.clear()
