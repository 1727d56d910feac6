"""Pure ASGI middleware that records every tenant API call as an `AuditEvent`.

Modifications are durable: the pending entry is stored before the handler runs (or the call is
refused with 503 and the handler never runs), and the response is held back until its outcome
is stored. A response that outgrows the capture limit (large or streaming) is released as it
comes instead, and only its final message is held until the outcome is stored: the client
never sees a complete response whose outcome is not in the log. Reads pass straight through
and are queued for the writer's next batch once they finish.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import replace
from datetime import UTC, datetime

import anyio
import orjson

from callmanager.audit.bodies import CAPTURE_LIMIT, BodyBuffer
from callmanager.audit.errors import AuditUnavailable
from callmanager.audit.events import AuditEvent, Body, new_entry_id
from callmanager.audit.policy import AuditPolicy, Decision
from callmanager.audit.types import ASGIApp, Message, Receive, Scope, Send
from callmanager.audit.writer import AuditSink

log = logging.getLogger("callmanager.audit")

MAX_PATH = 8192
MAX_USER_AGENT = 512
PROBLEM_JSON = "application/problem+json"
LATE = "outcome established after the fact"
TOLD_UNKNOWN = f"{LATE}: the caller was told it may not have been made"


class AuditMiddleware:
    """Records each call `policy` audits, handing entries to `sink` (an `AuditWriter`)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        policy: AuditPolicy,
        sink: AuditSink,
        capture_limit: int = CAPTURE_LIMIT,
        problem_type: str = "about:blank",
    ) -> None:
        self.app = app
        self.policy = policy
        self.sink = sink
        self.capture_limit = capture_limit
        self.unavailable_body = orjson.dumps(
            {
                "type": problem_type,
                "title": "Service unavailable",
                "status": 503,
                "detail": "The audit log cannot record this change right now, so it was not "
                "made. Try again shortly.",
            }
        )
        self.unknown_body = orjson.dumps(
            {
                "type": problem_type,
                "title": "Service unavailable",
                "status": 503,
                "detail": "The change may have been made, but its outcome could not be "
                "recorded; the audit log shows it as unknown.",
            }
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        decision = self.policy.decide(scope)
        if decision is None:
            await self.app(scope, receive, send)
            return
        await _Exchange(self, decision, scope, receive, send).run()


class _Exchange:
    """The state of one audited request: its buffers, held messages, and entry."""

    __slots__ = (
        "decision",
        "durable",
        "encoded",
        "entry",
        "held",
        "held_size",
        "mw",
        "outcome_stored",
        "receive",
        "released",
        "replay",
        "request",
        "request_record",
        "request_type",
        "response",
        "response_type",
        "scope",
        "send",
        "started",
        "status",
    )

    def __init__(
        self, mw: AuditMiddleware, decision: Decision, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self.mw = mw
        self.decision = decision
        self.scope = scope
        self.receive = receive
        self.send = send
        self.started = time.perf_counter()
        self.durable = decision.action.is_modification
        self.request = BodyBuffer(mw.capture_limit)
        self.response = BodyBuffer(mw.capture_limit)
        self.replay: deque[Message] = deque()
        self.held: list[Message] = []
        self.held_size = 0
        self.released = False
        self.outcome_stored = False
        self.status: int | None = None
        self.request_type: str | None = None
        self.request_record: Body | None = None
        """The request as recorded before the handler; kept when that was the whole body."""
        self.response_type: str | None = None
        self.encoded = False
        self.entry: AuditEvent | None = None

    async def run(self) -> None:
        await self._preread()
        self.entry = self._pending_entry()
        if self.durable:
            try:
                await self.mw.sink.record(self.entry)
            except AuditUnavailable as exc:
                log.error("refused %s %s: %s", self.scope["method"], self.entry.path, exc)
                await self._send_problem(self.mw.unavailable_body)
                await self._record_refusal()
                return
        try:
            await self.mw.app(self.scope, self._receive, self._send)
        except BaseException:
            self.status = 500
            if self.durable:
                await self._store_outcome(reraise=False)
            else:
                await self._emit()
            raise
        if self.durable:
            if not self.outcome_stored:
                await self._finish_held()
        else:
            await self._emit()

    # -- request -----------------------------------------------------------------------------

    async def _preread(self) -> None:
        """Read the body up to the capture limit before the handler, to record and summarise it."""
        while True:
            message = await self.receive()
            self.replay.append(message)
            if message["type"] != "http.request":
                return
            self.request.add(message.get("body", b""))
            if not message.get("more_body", False):
                self.request.complete = True
                return
            if self.request.truncated:
                return

    async def _receive(self) -> Message:
        if self.replay:
            return self.replay.popleft()
        message = await self.receive()
        if message["type"] == "http.request":
            self.request.add(message.get("body", b""))
            if not message.get("more_body", False):
                self.request.complete = True
        return message

    def _request_record(self) -> Body:
        if self.request_record is not None:
            return self.request_record
        record = self.request.record(self.request_type, self.mw.policy.redactor)
        if self.request.complete:  # nothing more can arrive: parse and redact it only once
            self.request_record = record
        return record

    def _pending_entry(self) -> AuditEvent:
        user_agent = None
        for name, value in self.scope["headers"]:
            if name == b"content-type":
                self.request_type = value.decode("latin-1")[:200]
            elif name == b"user-agent":
                user_agent = value.decode("latin-1")[:MAX_USER_AGENT]
        request = self._request_record()
        decision = self.decision
        attribution = self.mw.policy.attribute(self.scope, decision.tenant_id)
        actor = attribution.actor
        occurred_at = datetime.now(UTC)
        client = None if attribution.conceal_client else self.scope.get("client")
        if attribution.conceal_client:
            user_agent = None
        return AuditEvent(
            id=new_entry_id(occurred_at),
            tenant_id=decision.tenant_id,
            occurred_at=occurred_at,
            actor=actor,
            source=attribution.source,
            action=decision.action,
            method=decision.method,
            path=self._path(),
            route=decision.route,
            resource=decision.resource,
            summary=self.mw.policy.summary(decision, request.json if request.is_json else None),
            request=request,
            client_ip=client[0] if client else None,
            user_agent=user_agent,
        )

    def _path(self) -> str:
        path: str = self.scope.get("root_path", "") + self.scope["path"]
        query = self.scope.get("query_string", b"").decode("latin-1")
        if query:
            path = f"{path}?{self.mw.policy.redact_query(query)}"
        return path[:MAX_PATH]

    # -- response ----------------------------------------------------------------------------

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", ()):
                name = name.lower()
                if name == b"content-type":
                    self.response_type = value.decode("latin-1")[:200]
                elif name == b"content-encoding" and value.lower() != b"identity":
                    self.encoded = True
            if self.durable:
                self.held.append(message)
                return
        elif kind == "http.response.body":
            body = message.get("body", b"")
            self.response.add(body)
            if not message.get("more_body", False):
                self.response.complete = True
            if self.durable:
                await self._send_durable(message, len(body))
                return
        elif self.durable and not self.released:
            await self._release()
        await self.send(message)

    async def _send_durable(self, message: Message, size: int) -> None:
        final = not message.get("more_body", False)
        if self.released:
            if final:
                await self._store_outcome(reraise=True)
            await self.send(message)
            return
        self.held.append(message)
        self.held_size += size
        if final:
            await self._finish_held()
        elif self.held_size > self.mw.capture_limit:
            await self._release()

    async def _finish_held(self) -> None:
        """Store the outcome, then release the held response (or a 503 if that failed)."""
        if self.status is None:
            self.status = 500
        try:
            await self._store_outcome(reraise=True, late_note=TOLD_UNKNOWN)
        except AuditUnavailable:
            self.held.clear()
            await self._send_problem(self.mw.unknown_body)
            return
        await self._release()

    async def _release(self) -> None:
        self.released = True
        held, self.held = self.held, []
        for message in held:
            await self.send(message)

    # -- the entry's outcome -------------------------------------------------------------------

    def _final_entry(self) -> AuditEvent:
        assert self.entry is not None
        status = self.status or 500
        decision = self.decision
        response = self.response.record(
            self.response_type,
            self.mw.policy.redactor,
            parse=not self.encoded and (decision.response_body or status >= 400),
            keep=decision.keep,
        )
        duration = (time.perf_counter() - self.started) * 1000
        return self.entry.completed(status, duration, self._request_record(), response)

    async def _store_outcome(self, *, reraise: bool, late_note: str = LATE) -> None:
        """Store the outcome durably; if the store does not take it in time, it is queued to
        be stored once the store answers, its summary saying it was established late."""
        if self.outcome_stored:
            return
        self.outcome_stored = True
        entry = self._final_entry()
        with anyio.CancelScope(shield=True):
            try:
                await self.mw.sink.complete(entry)
            except AuditUnavailable as exc:
                log.error(
                    "outcome of %s %s not recorded in time: %s", entry.method, entry.path, exc
                )
                await self._complete_later(replace(entry, summary=f"{entry.summary} ({late_note})"))
                if reraise:
                    raise

    async def _record_refusal(self) -> None:
        """The entry of a change refused for want of the store, in case the store took the
        pending entry after all (it answered after the caller stopped waiting)."""
        assert self.entry is not None
        body = self.mw.unavailable_body
        response = Body(PROBLEM_JSON, len(body), is_json=True, json=orjson.loads(body))
        duration = (time.perf_counter() - self.started) * 1000
        summary = f"Refused: audit store unavailable ({self.entry.summary})"
        refusal = self.entry.completed(503, duration, self._request_record(), response, summary)
        await self._complete_later(refusal)

    async def _complete_later(self, entry: AuditEvent) -> None:
        try:
            await self.mw.sink.complete_later(entry)
        except AuditUnavailable as exc:
            log.error("outcome of %s %s lost: %s", entry.method, entry.path, exc)

    async def _emit(self) -> None:
        entry = self._final_entry()
        try:
            await self.mw.sink.emit(entry)
        except AuditUnavailable as exc:
            log.error("audit entry of %s %s lost: %s", entry.method, entry.path, exc)

    async def _send_problem(self, body: bytes) -> None:
        self.status = 503
        await self.send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"5"),
                ],
            }
        )
        await self.send({"type": "http.response.body", "body": body})
