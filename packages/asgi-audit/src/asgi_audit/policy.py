"""The host's rules, decided once at construction: which calls are audited, on which tenant,
by whom, how each route is classified, which responses are sensitive, how a summary reads.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from starlette.routing import compile_path

from asgi_audit.changes import changes_between
from asgi_audit.events import Action, Actor, Changes, Outcome, Resource
from asgi_audit.redact import KeepFields, Redactor, RedactQuery, default_redactor
from asgi_audit.summaries import (
    UNKNOWN_ROUTE,
    Summarize,
    SummaryInput,
    default_summary,
    outcome_summary,
)
from asgi_audit.types import JSON, Scope

__all__ = [
    "UNKNOWN_ROUTE",
    "Attribute",
    "Attribution",
    "AuditPolicy",
    "Decision",
    "RouteRule",
    "Snapshot",
    "Summarize",
    "SummaryInput",
    "TenantInPath",
    "TenantOf",
    "default_summary",
    "single_tenant",
]


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who made a call, as recorded, and where it came from (e.g. `API`, `System`)."""

    actor: Actor
    source: str
    conceal_client: bool = False
    """Keep no client IP or user agent: they could identify a person the actor must not name."""


Attribute = Callable[[Scope, uuid.UUID], Attribution]
"""Resolves the actor of a request on a tenant from the scope the auth layer filled in."""


@dataclass(frozen=True, slots=True)
class RouteRule:
    """How one route (method + path template, as the app declares it) is recorded."""

    method: str
    template: str
    action: Action | None = None
    """Overrides the method's action, e.g. `Action.READ` for a POST that only searches."""
    resource_type: str | None = None
    resource_id: str | None = None
    """The path parameter naming the resource; default: the last one besides the tenant's."""
    sensitive: tuple[str, ...] | None = None
    """The response fields to keep; the rest of a sensitive response is never stored."""
    summary: str | Summarize | None = None
    response_body: bool = True
    """False: a successful response is recorded like an opaque body (content type, size,
    SHA-256), never parsed or stored, e.g. one that copies what the log already holds. An
    error response is recorded as usual, so failures stay explained."""


@dataclass(frozen=True, slots=True)
class Decision:
    """How one request is recorded, decided before its handler runs."""

    tenant_id: uuid.UUID
    method: str
    action: Action
    route: str | None
    resource: Resource
    params: Mapping[str, str]
    keep: Redactor | None = None
    summary: str | Summarize | None = None
    response_body: bool = True
    """False: a successful response is described, not stored (see `RouteRule`)."""


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: RouteRule
    regex: re.Pattern[str]
    id_param: str | None
    keep: Redactor | None = field(default=None)


Snapshot = Callable[["Decision"], JSON]
"""The host's reading of the resource an edit or delete names, before the handler runs (as its
API returns it, or None if there is none): it names the resource, and an edit's changes are
what the response returns against it. Called in a worker thread; an error counts as None."""

TenantOf = Callable[[Scope], "uuid.UUID | None"]
"""The host's answer to "whose log does this request belong in?"; None: it is not audited."""

SINGLE_TENANT = uuid.UUID(int=0)
"""The one tenant of an app that has no tenants (see `single_tenant`)."""


def single_tenant(_scope: Scope) -> uuid.UUID:
    """Every request belongs to the one log of a single-tenant app."""
    return SINGLE_TENANT


class TenantInPath:
    """The tenant named by a path parameter, e.g. `/api/v1/tenants/{tenant_id}`: requests whose
    path starts with the prefix and names a UUID there are audited, on that tenant."""

    def __init__(self, prefix: str) -> None:
        regex, _, _ = compile_path(prefix)
        params = list(regex.groupindex)
        if len(params) != 1:
            raise ValueError("tenant_prefix must name exactly one parameter, the tenant's id")
        self.param = params[0]
        self._prefix = re.compile(regex.pattern.rstrip("$") + r"(?=/|$)")

    def __call__(self, scope: Scope) -> uuid.UUID | None:
        found = self._prefix.match(scope["path"])
        if found is None:
            return None
        try:
            return uuid.UUID(found.group(self.param))
        except ValueError:
            return None


class AuditPolicy:
    """Which requests are audited and how; every regex and rule is compiled here, once.

    `tenant` decides whose log a request belongs in (default: the UUID in `tenant_prefix`;
    `single_tenant` for an app without tenants). Rules are tried in order (as the app's router
    would); a request no rule matches is still recorded, with no route and no resource.
    """

    def __init__(
        self,
        *,
        attribute: Attribute,
        rules: Sequence[RouteRule] = (),
        tenant: TenantOf | None = None,
        tenant_prefix: str = "/api/v1/tenants/{tenant_id}",
        summarize: Summarize = default_summary,
        redactor: Redactor | None = None,
        query_redactor: Callable[[str], str] | None = None,
        snapshot: Snapshot | None = None,
        unchanged_fields: Sequence[str] = ("updated_at",),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.tenant = tenant or TenantInPath(tenant_prefix)
        self.tenant_param = getattr(self.tenant, "param", None)
        self.attribute = attribute
        self.summarize = summarize
        self.redactor = redactor or default_redactor()
        self.redact_query = query_redactor or RedactQuery()
        self.snapshot = snapshot
        self.clock: Callable[[], datetime] = clock or partial(datetime.now, UTC)
        """When a call arrived (aware). Only a host's own code sets it: a demo that seeds a
        week of activity through the API in a minute dates each day's calls on that day."""
        self.unchanged_fields = tuple(unchanged_fields)
        """Top-level fields that change with every edit, left out of its changes."""
        self._rules: dict[str, list[_CompiledRule]] = {}
        for rule in rules:
            self._rules.setdefault(rule.method.upper(), []).append(self._compile(rule))

    def _compile(self, rule: RouteRule) -> _CompiledRule:
        regex, _, _ = compile_path(rule.template)
        others = [p for p in regex.groupindex if p != self.tenant_param]
        id_param = rule.resource_id or (others[-1] if others else None)
        keep = KeepFields(rule.sensitive) if rule.sensitive is not None else None
        return _CompiledRule(rule, regex, id_param, keep)

    def decide(self, scope: Scope) -> Decision | None:
        """How to record this request, or None if it belongs in no tenant's log."""
        tenant_id = self.tenant(scope)
        if tenant_id is None:
            return None
        method: str = scope["method"]
        path: str = scope["path"]
        rules = self._rules.get("GET" if method == "HEAD" else method, ())
        for compiled in rules:
            matched = compiled.regex.match(path)
            if matched is not None:
                return self._decision(tenant_id, method, compiled, matched.groupdict())
        return Decision(tenant_id, method, Action.of_method(method), None, Resource(), {})

    def _decision(
        self, tenant_id: uuid.UUID, method: str, compiled: _CompiledRule, params: dict[str, str]
    ) -> Decision:
        rule = compiled.rule
        resource_id = params.get(compiled.id_param) if compiled.id_param else None
        return Decision(
            tenant_id=tenant_id,
            method=method,
            action=rule.action or Action.of_method(method),
            route=rule.template,
            resource=Resource(rule.resource_type, resource_id),
            params=params,
            keep=compiled.keep,
            summary=rule.summary,
            response_body=rule.response_body,
        )

    def wants_snapshot(self, decision: Decision) -> bool:
        """Whether the resource is read before the handler runs: an edit or delete of one."""
        return (
            self.snapshot is not None
            and decision.action in _SNAPSHOT_ACTIONS
            and decision.resource.id is not None
        )

    def changes(self, before: JSON, after: JSON) -> Changes:
        """What an edit changed, from the state read before it to the one it returned."""
        return changes_between(before, after, self.unchanged_fields)

    def summary(
        self,
        decision: Decision,
        body: JSON,
        *,
        resource: Resource | None = None,
        outcome: Outcome = Outcome.SUCCEEDED,
        status: int | None = None,
        detail: str | None = None,
        changes: Changes | None = None,
        response: JSON = None,
    ) -> str:
        """The entry's sentence, true to its outcome: the rule's text or function (else the
        policy's) says what the call does, and `outcome_summary` words how it ended."""
        if outcome is Outcome.SUCCEEDED and isinstance(decision.summary, str):
            return decision.summary  # most reads: nothing to word
        entry = SummaryInput(
            decision.action,
            decision.method,
            resource or decision.resource,
            decision.params,
            body,
            outcome,
            status,
            detail,
            changes,
            response,
        )
        if isinstance(decision.summary, str):
            return outcome_summary(decision.summary, entry)
        summarize = decision.summary or self.summarize
        try:
            done = summarize(entry)
        except Exception:  # a summary must never cost the call; fall back to the default
            done = default_summary(entry)
        return outcome_summary(done, entry)


_SNAPSHOT_ACTIONS = frozenset({Action.EDIT, Action.DELETE})
