"""The read flow: the call passes straight through, and its entry is queued for the writer's
next batch once the response has been sent (or the application failed)."""

from __future__ import annotations

import logging

from asgi_audit.capture.entry import Call
from asgi_audit.errors import AuditUnavailable
from asgi_audit.types import ASGIApp
from asgi_audit.writer import AuditSink

log = logging.getLogger("asgi_audit")


async def run_read(app: ASGIApp, call: Call, sink: AuditSink) -> None:
    """Run the application for `call`, then queue its entry; a failure is recorded as 500."""
    try:
        await app(call.scope, call.request, call.response)
    except BaseException:
        call.response.status = 500
        await _emit(call, sink)
        raise
    await _emit(call, sink)


async def _emit(call: Call, sink: AuditSink) -> None:
    entry = call.final()
    try:
        await sink.emit(entry)
    except AuditUnavailable as exc:
        log.error("audit entry of %s %s lost: %s", entry.method, entry.path, exc)
