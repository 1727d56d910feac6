"""The durable flow of a modification: its entry is stored before the handler runs (or the call
is refused with 503 and the handler never runs), and its response is held until the outcome is
stored (or replaced by a 503 saying the change may have been made).

If the store answers too late, the log still ends up saying what the client was told: a refused
call's entry, should the store take it after all, is marked refused; an outcome not stored in
time is queued and stored once the store answers, its summary saying it was established late.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import anyio
import orjson

from asgi_audit.capture.entry import Call
from asgi_audit.capture.response import ResponseHolder
from asgi_audit.errors import AuditUnavailable
from asgi_audit.events import AuditEvent, Body, Outcome
from asgi_audit.types import ASGIApp
from asgi_audit.writer import AuditSink

log = logging.getLogger("asgi_audit")

PROBLEM_JSON = "application/problem+json"
LATE = "outcome established after the fact"
TOLD_UNKNOWN = f"{LATE}: the caller was told it may not have been made"
UNAVAILABLE = "the audit store was unavailable, so it was not made"


class Problems:
    """The two 503 problem bodies a durable flow may answer with."""

    __slots__ = ("unavailable", "unknown")

    def __init__(self, problem_type: str) -> None:
        self.unavailable = self._body(
            problem_type,
            "The audit log cannot record this change right now, so it was not made. "
            "Try again shortly.",
        )
        self.unknown = self._body(
            problem_type,
            "The change may have been made, but its outcome could not be recorded; "
            "the audit log shows it as unknown.",
        )

    @staticmethod
    def _body(problem_type: str, detail: str) -> bytes:
        title = "Service unavailable"
        return orjson.dumps({"type": problem_type, "title": title, "status": 503, "detail": detail})


class DurableFlow:
    """One modification, from its pending entry to its released (or replaced) response."""

    __slots__ = ("app", "call", "holder", "outcome_stored", "problems", "sink")

    def __init__(
        self, app: ASGIApp, sink: AuditSink, problems: Problems, call: Call, holder: ResponseHolder
    ) -> None:
        self.app = app
        self.sink = sink
        self.problems = problems
        self.call = call
        self.holder = holder
        holder.on_final = self._finish
        self.outcome_stored = False

    async def run(self) -> None:
        call = self.call
        try:
            await self.sink.record(call.entry)
        except AuditUnavailable as exc:
            log.error("refused %s %s: %s", call.entry.method, call.entry.path, exc)
            await self._answer(self.problems.unavailable)
            await self._record_refusal()
            return
        try:
            await self.app(call.scope, call.request, self.holder)
        except BaseException:
            call.response.status = 500
            await self._store_outcome(LATE, reraise=False)
            raise
        if not self.outcome_stored:
            await self._finish()

    async def _finish(self) -> None:
        """Store the outcome, then release the held response (or a 503 if that failed)."""
        if self.holder.released:  # the client has the status and first bytes already
            await self._store_outcome(LATE, reraise=True)
            await self.holder.release()
            return
        try:
            await self._store_outcome(TOLD_UNKNOWN, reraise=True)
        except AuditUnavailable:
            self.holder.drop()
            await self._answer(self.problems.unknown)
            return
        await self.holder.release()

    async def _store_outcome(self, late_note: str, *, reraise: bool) -> None:
        """Store the outcome durably; if the store does not take it in time, it is queued to
        be stored once the store answers, its summary saying it was established late."""
        if self.outcome_stored:
            return
        self.outcome_stored = True
        entry = self.call.final()
        with anyio.CancelScope(shield=True):
            try:
                await self.sink.complete(entry)
            except AuditUnavailable as exc:
                log.error(
                    "outcome of %s %s not recorded in time: %s", entry.method, entry.path, exc
                )
                summary = f"{entry.summary} ({late_note})"
                await self._complete_later(replace(entry, summary=summary))
                if reraise:
                    raise

    async def _record_refusal(self) -> None:
        """The entry of a change refused for want of the store, in case the store took the
        pending entry after all (it answered after the caller stopped waiting)."""
        entry = self.call.entry
        body = self.problems.unavailable
        response = Body(PROBLEM_JSON, len(body), is_json=True, json=orjson.loads(body))
        request = self.call.request.record()
        summary = self.call.policy.summary(
            self.call.decision,
            request.json if request.is_json else None,
            resource=entry.resource,
            outcome=Outcome.FAILED,
            status=503,
            detail=UNAVAILABLE,
        )
        refusal = entry.completed(503, self.call.duration_ms(), request, response, summary)
        await self._complete_later(refusal)

    async def _complete_later(self, entry: AuditEvent) -> None:
        try:
            await self.sink.complete_later(entry)
        except AuditUnavailable as exc:
            log.error("outcome of %s %s lost: %s", entry.method, entry.path, exc)

    async def _answer(self, body: bytes) -> None:
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", b"5"),
        ]
        send = self.holder.send
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})
