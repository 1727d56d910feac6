"""`AuditMiddleware`: the pure ASGI callable that sends each audited call down its flow.

Modifications are durable (`durable.DurableFlow`): the pending entry is stored before the
handler runs (or the call is refused with 503 and the handler never runs), and the response is
held back until its outcome is stored; a response that outgrows the capture limit is released as
it comes, and only its final message waits, so the client never sees a complete response whose
outcome is not in the log. Reads (`read.run_read`) pass straight through and are queued for the
writer's next batch once they finish.
"""

from __future__ import annotations

import time

from asgi_audit.bodies import CAPTURE_LIMIT
from asgi_audit.capture.durable import DurableFlow, Problems
from asgi_audit.capture.entry import Call
from asgi_audit.capture.entry_header import ENTRY_ID_HEADER, EntryIdHeader
from asgi_audit.capture.read import run_read
from asgi_audit.capture.request import RequestTap
from asgi_audit.capture.response import ResponseHolder, ResponseTap
from asgi_audit.capture.snapshot import read_before
from asgi_audit.policy import AuditPolicy
from asgi_audit.types import ASGIApp, Receive, Scope, Send
from asgi_audit.writer import AuditSink


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
        entry_id_header: str | None = ENTRY_ID_HEADER,
    ) -> None:
        self.app = app
        self.policy = policy
        self.sink = sink
        self.capture_limit = capture_limit
        self.problems = Problems(problem_type)
        self.entry_id_header = entry_id_header.lower().encode() if entry_id_header else None
        """Names each audited response's entry (None: no header)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        decision = self.policy.decide(scope)
        if decision is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = RequestTap(receive, self.capture_limit, self.policy.redactor)
        await request.preread()
        # The taps send through `named`, whose id is the entry's once the entry is made.
        named = EntryIdHeader(send, self.entry_id_header) if self.entry_id_header else None
        client = named or send
        if decision.action.is_modification:
            holder = ResponseHolder(client, self.capture_limit)
            before = await read_before(self.policy, decision)
            call = Call(self.policy, decision, scope, request, holder, started, before)
            if named is not None:
                named.name(call.entry.id)
            await DurableFlow(self.app, self.sink, self.problems, call, holder).run()
        else:
            tap = ResponseTap(client, self.capture_limit)
            call = Call(self.policy, decision, scope, request, tap, started)
            if named is not None:
                named.name(call.entry.id)
            await run_read(self.app, call, self.sink)
