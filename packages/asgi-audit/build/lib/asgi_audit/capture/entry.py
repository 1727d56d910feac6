"""Building an audited call's entry: pending (before the handler, from the request) and final
(once the response's outcome is known)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from asgi_audit.capture.request import RequestTap
from asgi_audit.capture.response import ResponseTap
from asgi_audit.events import AuditEvent, new_entry_id
from asgi_audit.policy import AuditPolicy, Decision
from asgi_audit.types import Scope

MAX_PATH = 8192
MAX_USER_AGENT = 512


class Call:
    """One audited request: what the policy decided, its taps, and its pending entry."""

    __slots__ = ("decision", "entry", "policy", "request", "response", "scope", "started")

    def __init__(
        self,
        policy: AuditPolicy,
        decision: Decision,
        scope: Scope,
        request: RequestTap,
        response: ResponseTap,
        started: float,
    ) -> None:
        self.policy = policy
        self.decision = decision
        self.scope = scope
        self.request = request
        self.response = response
        self.started = started
        self.entry = self._pending()

    def _pending(self) -> AuditEvent:
        user_agent = None
        for name, value in self.scope["headers"]:
            if name == b"content-type":
                self.request.content_type = value.decode("latin-1")[:200]
            elif name == b"user-agent":
                user_agent = value.decode("latin-1")[:MAX_USER_AGENT]
        request = self.request.record()
        decision = self.decision
        attribution = self.policy.attribute(self.scope, decision.tenant_id)
        occurred_at = datetime.now(UTC)
        client = None if attribution.conceal_client else self.scope.get("client")
        return AuditEvent(
            id=new_entry_id(occurred_at),
            tenant_id=decision.tenant_id,
            occurred_at=occurred_at,
            actor=attribution.actor,
            source=attribution.source,
            action=decision.action,
            method=decision.method,
            path=self._path(),
            route=decision.route,
            resource=decision.resource,
            summary=self.policy.summary(decision, request.json if request.is_json else None),
            request=request,
            client_ip=client[0] if client else None,
            user_agent=None if attribution.conceal_client else user_agent,
        )

    def _path(self) -> str:
        path: str = self.scope.get("root_path", "") + self.scope["path"]
        query = self.scope.get("query_string", b"").decode("latin-1")
        if query:
            path = f"{path}?{self.policy.redact_query(query)}"
        return path[:MAX_PATH]

    def final(self) -> AuditEvent:
        """The entry with the outcome the response gave (500 if it gave none)."""
        response = self.response
        status = response.status or 500
        body = response.body.record(
            response.content_type,
            self.policy.redactor,
            parse=not response.encoded and (self.decision.response_body or status >= 400),
            keep=self.decision.keep,
        )
        return self.entry.completed(status, self.duration_ms(), self.request.record(), body)

    def duration_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000
