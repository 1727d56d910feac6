"""Entries for the log streams' tests: a Hypothesis strategy of every kind of entry (each actor
type, action, outcome, with and without bodies, changes and resource names), entries recorded by
the engine from a real app, and the official OCSF 1.5.0 schema as the judge of `ocsf` events."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jsonschema
from hypothesis import strategies as st
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from asgi_audit import Action, Actor, ActorType, AuditEvent, Body, Changes, Outcome, Resource
from asgi_audit.events import new_entry_id
from asgi_audit.streams import Product, StreamEvent
from asgi_audit.testing import AuditRecorder
from asgi_audit.types import JSON
from example_app import BASE, Calls, audited, call

PRODUCT = Product(vendor="Haptap", name="Call Manager", version="1.2.3")
PARTNER = ActorType.register("partner")
STATUSES = (200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 503)


@cache
def ocsf_validator() -> jsonschema.protocols.Validator:
    """A validator of OCSF 1.5.0 API Activity events, from the `ocsf-json-schema` package."""
    schemas = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.5.0"))
    schema = schemas.get_class_schema(schemas.lookup_class_name_from_uid(6003))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def assert_valid_ocsf(event: Any) -> None:
    """Fail with every schema error of `event`, if it has any."""
    errors = sorted(ocsf_validator().iter_errors(event), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


json_values: st.SearchStrategy[JSON] = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)

hostile_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from('|\\=\n\r"]'),
    max_size=40,
)
"""Text with every character a format escapes, plus any Unicode."""


@st.composite
def actors(draw: st.DrawFn) -> Actor:
    kind = draw(st.sampled_from(["user", "system", "partner", "anonymous"]))
    if kind == "user":
        email = draw(st.emails() | hostile_text | st.none())
        return Actor(
            ActorType.USER,
            draw(st.uuids().map(str) | st.none()),
            email,
            draw(hostile_text | st.none()),
        )
    if kind == "system":
        task = draw(st.sampled_from(["holiday-migration", "cleanup"]))
        return Actor(ActorType.SYSTEM, task, None, task)
    return Actor(PARTNER) if kind == "partner" else Actor(ActorType.ANONYMOUS)


@st.composite
def bodies(draw: st.DrawFn) -> Body | None:
    kind = draw(st.sampled_from(["none", "json", "opaque", "sensitive"]))
    if kind == "none":
        return None
    if kind == "opaque":
        size = draw(st.integers(0, 10**7))
        return Body("application/octet-stream", size, truncated=size > 65536, sha256="ab" * 32)
    value = draw(json_values)
    return Body(
        "application/json",
        draw(st.integers(0, 10**6)),
        is_json=True,
        json=value,
        sensitive=kind == "sensitive",
    )


@st.composite
def entries(draw: st.DrawFn) -> AuditEvent:
    """Any finished or pending entry at its place in the log."""
    occurred_at = draw(
        st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
    )
    tenant = draw(st.uuids())
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]))
    status = draw(st.none() | st.sampled_from(STATUSES) | st.integers(100, 599))
    query = draw(st.none() | hostile_text)
    path = f"/api/v1/tenants/{tenant}/{draw(hostile_text)}" + (f"?{query}" if query else "")
    changes = draw(
        st.none()
        | st.builds(
            Changes,
            basis=st.sampled_from(["captured", "unknown"]),
            fields=st.lists(
                st.fixed_dictionaries(
                    {"field": st.text(max_size=10), "before": json_values, "after": json_values}
                ),
                max_size=3,
            ).map(tuple),
        )
    )
    return AuditEvent(
        id=new_entry_id(occurred_at),
        tenant_id=tenant,
        occurred_at=occurred_at,
        actor=draw(actors()),
        source=draw(st.sampled_from(["Call Manager", "API", "System", "Partner"])),
        action=draw(st.sampled_from(list(Action))),
        method=method,
        path=path,
        route=draw(st.none() | st.just("/api/v1/tenants/{tenant_id}/groups/{group_id}")),
        resource=draw(
            st.builds(
                Resource,
                type=st.none() | st.sampled_from(["group", "call_flow"]),
                id=st.none() | st.uuids().map(str),
                name=st.none() | hostile_text,
            )
        ),
        summary=draw(hostile_text),
        outcome=Outcome.UNKNOWN if status is None else Outcome.of_status(status),
        status=status,
        duration_ms=None if status is None else draw(st.floats(0, 1e6)),
        request=draw(bodies()),
        response=None if status is None else draw(bodies()),
        client_ip=draw(st.none() | st.ip_addresses().map(str) | st.just("testclient")),
        user_agent=draw(st.none() | hostile_text),
        seq=draw(st.integers(0, 2**48)),
        changes=changes,
    )


stream_events = st.builds(
    lambda entry, test: StreamEvent({**entry.to_dict(), **({"test": True} if test else {})}),
    entries(),
    st.booleans(),
)
"""Entries as streams carry them, some marked as test events."""


async def recorded_entries() -> list[AuditEvent]:
    """Entries the engine recorded from a real app: a user's create, an anonymous list, a
    sensitive invitation, a 500, a 400 problem, an opaque body; each at its place in the log."""
    calls = Calls()
    json_headers = [("content-type", "application/json")]
    alice = {"test.user": "alice@contoso.example"}
    async with AuditRecorder() as audit:
        app = audited(calls, audit.writer)
        await call(
            app,
            "POST",
            f"{BASE}/groups",
            chunks=[b'{"name": "Sales\\nEMEA | =x"}'],
            headers=json_headers,
            scope_extra=alice,
        )
        await call(app, "GET", f"{BASE}/groups", query=b"name=Sales")
        await call(
            app,
            "POST",
            f"{BASE}/invitations",
            chunks=[b'{"email": "bob@x.example"}'],
            headers=json_headers,
            scope_extra=alice,
        )
        with contextlib.suppress(RuntimeError):  # the app's handler fails: a 500 recorded
            await call(app, "POST", f"{BASE}/boom", chunks=[b"{}"], headers=json_headers)
        await call(app, "GET", f"{BASE}/log", query=b"fail=1", scope_extra=alice)
        await call(app, "PUT", f"{BASE}/echo", chunks=[b"\x00\x01"], scope_extra=alice)
        return await audit.aentries()


def stream_event(entry: AuditEvent, seq: int | None = None) -> StreamEvent:
    """`entry` as a stream carries it (at `seq`, or at its own place)."""
    document = entry.to_dict()
    if seq is not None:
        document["seq"] = seq
    return StreamEvent(document)


def an_entry(**changes: Any) -> AuditEvent:
    """A plain successful create by a user, with `changes` applied."""
    occurred_at = datetime(2026, 11, 30, 8, 30, 1, 123456, tzinfo=UTC)
    tenant = uuid.UUID("0b6f3c9e-1d2a-4e5f-8a7b-9c0d1e2f3a4b")
    fields: dict[str, Any] = {
        "id": new_entry_id(occurred_at),
        "tenant_id": tenant,
        "occurred_at": occurred_at,
        "actor": Actor(ActorType.USER, "u-1", "alice@contoso.example", "Alice"),
        "source": "Call Manager",
        "action": Action.CREATE,
        "method": "POST",
        "path": f"/api/v1/tenants/{tenant}/groups",
        "route": "/api/v1/tenants/{tenant_id}/groups",
        "resource": Resource("group", "g-1", "Sales"),
        "summary": "Created group 'Sales'",
        "outcome": Outcome.SUCCEEDED,
        "status": 201,
        "duration_ms": 3.2,
        "request": Body("application/json", 16, is_json=True, json={"name": "Sales"}),
        "response": Body("application/json", 28, is_json=True, json={"id": "g-1"}),
        "client_ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0",
        "seq": 41,
    }
    fields.update(changes)
    return AuditEvent(**fields)
