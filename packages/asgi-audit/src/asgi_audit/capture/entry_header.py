"""The response header that names an audited call's entry, so a client can find the entry of
its own call (`GET …/audit-log/{id}`)."""

from __future__ import annotations

import uuid

from asgi_audit.types import Message, Send

ENTRY_ID_HEADER = "Audit-Entry-Id"
"""The header's default name."""


class EntryIdHeader:
    """The client's `send`, adding the entry's id to the response's start message.

    Made before the entry (the taps wrap it), and told the id by `name` once the entry exists.
    """

    __slots__ = ("header", "name_bytes", "send")

    def __init__(self, send: Send, name: bytes) -> None:
        self.send = send
        self.name_bytes = name
        self.header: tuple[bytes, bytes] | None = None

    def name(self, entry_id: uuid.UUID) -> None:
        self.header = (self.name_bytes, str(entry_id).encode())

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and self.header is not None:
            message = {**message, "headers": [*message.get("headers", ()), self.header]}
        await self.send(message)
