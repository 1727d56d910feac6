"""The request side of an audited call: the body read ahead (up to the capture limit) to record
and summarise it before the handler runs, then replayed to the application unchanged."""

from __future__ import annotations

from collections import deque

from asgi_audit.bodies import BodyBuffer
from asgi_audit.events import Body
from asgi_audit.redact import Redactor
from asgi_audit.types import Message, Receive


class RequestTap:
    """The application's `receive`: replays what was read ahead, then records what follows."""

    __slots__ = ("_receive", "_record", "body", "content_type", "redactor", "replay")

    def __init__(self, receive: Receive, limit: int, redactor: Redactor) -> None:
        self._receive = receive
        self.body = BodyBuffer(limit)
        self.replay: deque[Message] = deque()
        self.redactor = redactor
        self.content_type: str | None = None
        self._record: Body | None = None

    async def preread(self) -> None:
        """Read the body up to the capture limit, keeping every message for the replay."""
        while True:
            message = await self._receive()
            self.replay.append(message)
            if message["type"] != "http.request":
                return
            self.body.add(message.get("body", b""))
            if not message.get("more_body", False):
                self.body.complete = True
                return
            if self.body.truncated:
                return

    async def __call__(self) -> Message:
        if self.replay:
            return self.replay.popleft()
        message = await self._receive()
        if message["type"] == "http.request":
            self.body.add(message.get("body", b""))
            if not message.get("more_body", False):
                self.body.complete = True
        return message

    def record(self) -> Body:
        """The request body as recorded so far; parsed and redacted only once when complete."""
        if self._record is not None:
            return self._record
        record = self.body.record(self.content_type, self.redactor)
        if self.body.complete:  # nothing more can arrive
            self._record = record
        return record
