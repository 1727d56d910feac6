"""Call Manager's rules for the audit engine: tenant paths, actors and sources, route
classification, the sensitive invitation response, and how each entry's sentence reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from asgi_audit import (
    ANONYMOUS,
    Action,
    Actor,
    ActorType,
    Attribution,
    AuditPolicy,
    RouteRule,
    SummaryInput,
)
from asgi_audit.policy import UNKNOWN_ROUTE
from asgi_audit.redact import (
    DEFAULT_SECRET_EXACT,
    DEFAULT_SECRET_PARTS,
    RedactBody,
    RedactQuery,
    SecretKeys,
)
from asgi_audit.routes import Templates, derive_rules
from asgi_audit.summaries import name_in, with_changes
from asgi_audit.types import JSON, Scope
from asgi_audit.vocabulary import Vocabulary
from callmanager.audit_snapshots import snapshots_for
from callmanager.auth.principal import Role, principal_of

TENANT_PREFIX = "/api/v1/tenants/{tenant_id}"

REDACT_QUERY = RedactQuery()
"""The one rule for secret query parameters (`?token=`, `?grant=`, `?api_key=` …): the audit
record's path and every line of the server log (`callmanager.logs`) go through it."""

REDACT_BODY = RedactBody(
    SecretKeys(DEFAULT_SECRET_PARTS, DEFAULT_SECRET_EXACT | {"client_key_pem", "client_cert_pem"})
)
"""Every captured body: the engine's secret keys, plus a log stream's syslog client
certificate and key (`token` and `secret`, a HEC token and a webhook secret, are secret keys
already), so a stream's secrets are never in its create, change or rotate entries."""

PARTNER = ActorType.register("partner")
"""Upstream partner staff, come in through the Provisioner's Access Service: never a person."""

SOURCES = {"session": "Call Manager", "token": "API", "system": "System", "partner": "Partner"}
"""Where a call came from, by how its caller authenticated."""

INVITATION_SUMMARY_FIELDS = ("id", "email", "name", "role", "expires_at")
"""All an invitation's audit entry keeps of its response: never the token or its link."""

RESOURCE_TYPES = {
    "groups": "group",
    "call-flows": "call_flow",
    "call-logs": "call_log",
    "portal-users": "portal_user",
    "invitations": "invitation",
    "admin-setup": "admin_setup",
    "audit-log": "audit_log",
}
"""The first path segment after the tenant, as a resource type; none means the tenant."""

_LABELS = {
    "group": ("group", "groups"),
    "call_flow": ("call flow", "call flows"),
    "call_log": ("call log", "call logs"),
    "portal_user": ("portal user", "portal users"),
    "invitation": ("invitation", "invitations"),
    "admin_setup": ("admin setup", "admin setup"),
    "audit_log": ("audit log entry", "audit log"),
    "tenant": ("tenant", "tenant"),
    "partner_access": ("partner access", "partner access"),
    "log_stream": ("log stream", "log streams"),
}
_VERBS = {Action.CREATE: "Created", Action.EDIT: "Edited", Action.DELETE: "Deleted"}

VOCABULARY = Vocabulary(
    resource_types={kind: plural.capitalize() for kind, (_, plural) in _LABELS.items()},
    actor_types={PARTNER: "Partner"},
)
"""What the Audit Log page names, served by `GET …/audit-log/vocabulary`."""


def attribute(scope: Scope, tenant_id: uuid.UUID) -> Attribution:
    """The caller as this tenant may see it; anyone without a role here is anonymous to it."""
    principal = principal_of(scope)
    if principal is None:
        return Attribution(ANONYMOUS, "API")
    source = SOURCES[principal.via]
    if principal.role_in(tenant_id) is None:
        return Attribution(ANONYMOUS, source)
    if principal.kind == "system":
        task = principal.task_name
        return Attribution(Actor(ActorType.SYSTEM, task, None, task), source)
    if principal.kind == "partner":
        return Attribution(Actor(PARTNER), source, conceal_client=True)
    user_id = str(principal.user_id) if principal.user_id else None
    return Attribution(Actor(ActorType.USER, user_id, principal.email, principal.name), source)


def summarize(entry: SummaryInput) -> str:
    """What a call does, as a sentence of success (the engine words refusals and failures
    around it): `Created group 'Sales'`, `Edited group 'Sales EMEA': name, members (+2, -1)`,
    `Deleted group 'Sales EMEA'`, `Viewed group 'Sales'`, `Listed call flows`."""
    if entry.resource.type is None:
        return UNKNOWN_ROUTE
    singular, plural = _LABELS.get(entry.resource.type, ("resource", "resources"))
    name = entry.resource.name
    if name is None and entry.action is Action.CREATE:
        name = name_in(entry.body)
    target = f"'{name}'" if name else entry.resource.id
    if entry.action is Action.READ:
        if entry.resource.id:
            return f"Viewed {singular} {target}"
        return f"Viewed {plural}" if singular == plural else f"Listed {plural}"
    if singular == plural:
        return with_changes(f"{_VERBS[entry.action]} {singular}", entry.changes)
    sentence = " ".join(filter(None, (_VERBS[entry.action], singular, target)))
    return with_changes(sentence, entry.changes)


def _summarize_invitation(entry: SummaryInput) -> str:
    email, role = _text(entry.body, "email"), _role(entry.body)
    return f"Invited '{email}' as {role}" if email and role else "Invited a portal user"


def _summarize_role_change(entry: SummaryInput) -> str:
    role = _role(entry.body)
    who = f"'{entry.resource.name}'" if entry.resource.name else entry.resource.id
    if role:
        return f"Changed the role of portal user {who} to {role}"
    return with_changes(f"Edited portal user {who}", entry.changes)


def _stream(entry: SummaryInput) -> str:
    name = entry.resource.name or name_in(entry.body)
    return f"log stream '{name}'" if name else f"log stream {entry.resource.id}"


def _summarize_stream_change(entry: SummaryInput) -> str:
    rotated = isinstance(entry.body, dict) and entry.body.get("rotate_secret") not in (None, False)
    verb = "Rotated the secret of" if rotated else "Edited"
    return with_changes(f"{verb} {_stream(entry)}", entry.changes)


def _summarize_stream_verb(label: str) -> Callable[[SummaryInput], str]:
    return lambda entry: with_changes(f"{label} {_stream(entry)}", entry.changes)


def _summarize_proof(entry: SummaryInput) -> str:
    return f"Viewed the proof of audit log entry {entry.resource.id}"


def _summarize_prune(entry: SummaryInput) -> str:
    """`Pruned 61 entries before 2025-10-26 (kept for 400 days)`, from the call's answer."""
    done = entry.response if isinstance(entry.response, dict) else {}
    pruned, begins, days = done.get("pruned"), done.get("history_begins"), done.get("days")
    if isinstance(pruned, int) and isinstance(begins, str) and isinstance(days, int):
        noun = "entry" if pruned == 1 else "entries"
        return f"Pruned {pruned} {noun} before {begins} (kept for {days} days)"
    return "Pruned the audit log's entries older than its retention period"


STREAM_FIELDS = (
    "id",
    "name",
    "destination",
    "format",
    "action_type",
    "start_seq",
    "created_at",
    "updated_at",
    "health",
)
"""All a stream's create or change entry keeps of its response: never a secret shown once."""
STREAMS = f"{TENANT_PREFIX}/audit-log/streams"
_STREAM_RULES = (
    RouteRule("GET", STREAMS, resource_type="log_stream"),
    RouteRule(
        "POST",
        STREAMS,
        resource_type="log_stream",
        sensitive=STREAM_FIELDS,
        summary=lambda e: f"Created {_stream(e)}",
    ),
    RouteRule("GET", f"{STREAMS}/{{stream_id}}", resource_type="log_stream"),
    RouteRule(
        "PATCH",
        f"{STREAMS}/{{stream_id}}",
        resource_type="log_stream",
        sensitive=STREAM_FIELDS,
        summary=_summarize_stream_change,
    ),
    RouteRule("DELETE", f"{STREAMS}/{{stream_id}}", resource_type="log_stream"),
    *(
        RouteRule(
            "POST",
            f"{STREAMS}/{{stream_id}}/{verb}",
            action=Action.EDIT,
            resource_type="log_stream",
            resource_id="stream_id",
            summary=_summarize_stream_verb(label),
        )
        for verb, label in (("pause", "Paused"), ("resume", "Resumed"))
    ),
    RouteRule(
        "POST",
        f"{STREAMS}/{{stream_id}}/test",
        resource_type="log_stream",
        resource_id="stream_id",
        summary=lambda e: f"Sent a test event to {_stream(e)}",
    ),
)
"""A tenant's log streams, as their own resource (their paths are under the audit log's)."""


def _role(body: JSON) -> str | None:
    """The role a body names, as people read it (`Tenant Setup`, never `tenant_setup`)."""
    role = _text(body, "role")
    if role is None:
        return None
    try:
        return Role(role).label
    except ValueError:
        return role


def _text(body: JSON, key: str) -> str | None:
    value = body.get(key) if isinstance(body, dict) else None
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


_SPECIAL = (
    RouteRule(
        "POST",
        f"{TENANT_PREFIX}/invitations",
        resource_type="invitation",
        sensitive=INVITATION_SUMMARY_FIELDS,
        summary=_summarize_invitation,
    ),
    RouteRule(
        "POST",
        f"{TENANT_PREFIX}/invitations/accept",
        resource_type="portal_user",
        summary="Accepted an invitation",
    ),
    RouteRule(
        "PATCH",
        f"{TENANT_PREFIX}/portal-users/{{user_id}}",
        resource_type="portal_user",
        summary=_summarize_role_change,
    ),
    # The log's own reads answer with copies of entries it already holds: storing them again
    # would grow the log by its own reading (a search page is ~40 KB). Size and SHA-256 only.
    RouteRule(
        "GET",
        f"{TENANT_PREFIX}/audit-log",
        resource_type="audit_log",
        summary="Viewed audit log",
        response_body=False,
    ),
    RouteRule(
        "GET",
        f"{TENANT_PREFIX}/audit-log/export",
        resource_type="audit_log",
        summary="Exported the audit log",
        response_body=False,
    ),
    RouteRule(
        "GET",
        f"{TENANT_PREFIX}/audit-log/{{entry_id}}",
        resource_type="audit_log",
        response_body=False,
    ),
    RouteRule(
        "GET",
        f"{TENANT_PREFIX}/audit-log/activity",
        resource_type="audit_log",
        summary="Viewed the audit log's activity",
        response_body=False,
    ),
    # The tenant is its own resource: an edit names it and shows what changed (its retention).
    RouteRule("PATCH", TENANT_PREFIX, resource_type="tenant", resource_id="tenant_id"),
    # Retention's daily call: it removes entries, so it is a delete of the log's old content.
    RouteRule(
        "POST",
        f"{TENANT_PREFIX}/audit-log/prune",
        action=Action.DELETE,
        resource_type="audit_log",
        summary=_summarize_prune,
    ),
    # The log's proofs: checkpoints, hashes and leaves it holds already, described only.
    *(
        RouteRule(
            "GET",
            f"{TENANT_PREFIX}/audit-log/{rest}",
            resource_type="audit_log",
            resource_id=resource_id,
            summary=summary,
            response_body=False,
        )
        for rest, resource_id, summary in (
            ("checkpoint", None, "Viewed the audit log's checkpoint"),
            ("checkpoints", None, "Viewed the audit log's checkpoints"),
            ("consistency", None, "Viewed a consistency proof of the audit log"),
            ("leaves", None, "Read the audit log's leaves"),
            ("{entry_id}/proof", "entry_id", _summarize_proof),
        )
    ),
    *_STREAM_RULES,
)


def resource_type(rest: str) -> str:
    """The resource a tenant route acts on, from its first segment after the tenant."""
    first = rest.strip("/").split("/")[0]
    return RESOURCE_TYPES.get(first, "tenant") if first else "tenant"


def rules_for(templates: Mapping[str, Iterable[str]] | Templates) -> list[RouteRule]:
    """One rule per method of each tenant API route, in the router's order; the routes whose
    entry differs from what their method and path imply get their special rule."""
    pairs = templates.items() if isinstance(templates, Mapping) else templates
    return derive_rules(
        ((template, [m.upper() for m in methods]) for template, methods in pairs),
        prefix=TENANT_PREFIX,
        resource_type=resource_type,
        special=_SPECIAL,
    )


UNCHANGED_FIELDS = ("updated_at", "version", "health")
"""Fields every edit changes by itself: not what anyone changed (a stream's health moves with
its deliveries)."""


def route_templates(app: FastAPI) -> list[tuple[str, list[str]]]:
    """Each route template the OpenAPI document lists, with its methods, in the document's order
    (the order the routes were added, which the router tries them in).

    Read from the routes as FastAPI's `get_openapi` walks them, without building the document:
    building it (every model's JSON Schema) was most of the cost of making an app, which every
    server start and test paid."""
    templates: dict[str, list[str]] = {}
    for route in iter_route_contexts(app.routes):
        path = route.path_format  # an API route's always has one
        if isinstance(route.original_route, APIRoute) and route.include_in_schema and path:
            templates.setdefault(path, []).extend(route.methods or ())
    return [(template, methods) for template, methods in templates.items() if methods]


def call_manager_policy(app: FastAPI) -> AuditPolicy:
    """The policy for this app's routes (decided once, when the app is built)."""
    return AuditPolicy(
        snapshot=snapshots_for(app),
        unchanged_fields=UNCHANGED_FIELDS,
        attribute=attribute,
        rules=rules_for(route_templates(app)),
        tenant_prefix=TENANT_PREFIX,
        summarize=summarize,
        query_redactor=REDACT_QUERY,
        redactor=REDACT_BODY,
    )
