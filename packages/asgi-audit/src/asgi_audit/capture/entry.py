"""Building an audited call's entry: pending (before the handler, from the request and the
resource's state read before it) and final (once the response's outcome is known: the summary
restated for it, a create's id, an edit's changes)."""

from __future__ import annotations

import time

from asgi_audit.capture.request import RequestTap
from asgi_audit.capture.response import ResponseTap
from asgi_audit.changes import NO_EARLIER_STATE
from asgi_audit.events import Action, AuditEvent, Body, Changes, Outcome, Resource, new_entry_id
from asgi_audit.policy import AuditPolicy, Decision
from asgi_audit.summaries import name_in, problem_detail
from asgi_audit.types import JSON, Scope

MAX_PATH = 8192
MAX_USER_AGENT = 512


class Call:
    """One audited request: what the policy decided, its taps, and its pending entry."""

    __slots__ = (
        "before",
        "decision",
        "entry",
        "policy",
        "request",
        "response",
        "scope",
        "started",
    )

    def __init__(
        self,
        policy: AuditPolicy,
        decision: Decision,
        scope: Scope,
        request: RequestTap,
        response: ResponseTap,
        started: float,
        before: JSON = None,
    ) -> None:
        self.policy = policy
        self.before = before
        """The resource as read before the handler (redacted), for an edit or delete."""
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
        occurred_at = self.policy.clock()
        client = None if attribution.conceal_client else self.scope.get("client")
        body = request.json if request.is_json else None
        resource = decision.resource
        name = name_in(self.before if decision.action is not Action.CREATE else body)
        if name is not None:
            resource = Resource(resource.type, resource.id, name)
        # A read's entry is stored only once it is final: its summary is worded then.
        summary = ""
        if decision.action.is_modification:
            summary = self.policy.summary(
                decision, body, resource=resource, outcome=Outcome.UNKNOWN
            )
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
            resource=resource,
            summary=summary,
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
        """The entry with the outcome the response gave (500 if it gave none), its summary
        worded for that outcome."""
        response = self.response
        status = response.status or 500
        body = response.body.record(
            response.content_type,
            self.policy.redactor,
            parse=not response.encoded and (self.decision.response_body or status >= 400),
            keep=self.decision.keep,
        )
        request = self.request.record()
        entry = self.entry
        if status < 400:
            resource, changes = self._learned(entry.resource, body)
            fixed = self.decision.summary
            if (
                entry.action is Action.READ
                and resource is entry.resource
                and isinstance(fixed, str)
            ):
                # The hot path (a read with a fixed sentence): nothing to word.
                return entry.completed(status, self.duration_ms(), request, body, fixed)
            outcome, detail = Outcome.SUCCEEDED, None
            answer = body.json if body.is_json else None
        else:
            answer = None
            resource, changes = entry.resource, None
            outcome, detail = Outcome.FAILED, problem_detail(body.json if body.is_json else None)
        summary = self.policy.summary(
            self.decision,
            request.json if request.is_json else None,
            resource=resource,
            outcome=outcome,
            status=status,
            detail=detail,
            changes=changes,
            response=answer,
        )
        return entry.completed(
            status, self.duration_ms(), request, body, summary, resource, changes
        )

    def _learned(self, resource: Resource, body: Body) -> tuple[Resource, Changes | None]:
        """What a successful response tells: a create's id, a read resource's name, and what
        an edit changed (against the state read before it)."""
        returned = body.json if body.is_json else None
        action = self.entry.action
        if action is Action.EDIT:
            if self.before is None or not isinstance(returned, dict):
                return resource, NO_EARLIER_STATE
            return resource, self.policy.changes(self.before, returned)
        if not isinstance(returned, dict) or resource.type is None:
            return resource, None
        if action is Action.CREATE and resource.id is None:
            made = returned.get("id")
            if isinstance(made, str | int) and not isinstance(made, bool):
                name = resource.name or name_in(returned)
                return Resource(resource.type, str(made)[:200], name), None
        elif action is Action.READ and resource.id is not None and resource.name is None:
            name = name_in(returned)
            if name is not None:
                return Resource(resource.type, resource.id, name), None
        return resource, None

    def duration_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000
