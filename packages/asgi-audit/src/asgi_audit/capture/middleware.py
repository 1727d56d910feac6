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
    ) -> None:
        self.app = app
        self.policy = policy
        self.sink = sink
        self.capture_limit = capture_limit
        self.problems = Problems(problem_type)

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
        if decision.action.is_modification:
            holder = ResponseHolder(send, self.capture_limit)
            before = await read_before(self.policy, decision)
            call = Call(self.policy, decision, scope, request, holder, started, before)
            await DurableFlow(self.app, self.sink, self.problems, call, holder).run()
        else:
            call = Call(
                self.policy,
                decision,
                scope,
                request,
                ResponseTap(send, self.capture_limit),
                started,
            )
            await run_read(self.app, call, self.sink)
