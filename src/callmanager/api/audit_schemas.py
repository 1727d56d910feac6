"""The audit log's JSON as the OpenAPI document describes it (the routes write it with orjson
straight from `AuditEvent.to_dict`; these models only document that shape)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from asgi_audit import Action, ActorType, Outcome
from callmanager.audit_rules import PARTNER

assert PARTNER in ActorType.registered  # registered before the schema lists the kinds


class ActorOut(BaseModel):
    type: str = Field(json_schema_extra={"enum": list(ActorType.registered)})
    """A kind of caller registered with the engine (Call Manager's `partner` included)."""
    id: str | None
    email: str | None
    name: str | None


class ResourceOut(BaseModel):
    type: str | None
    id: str | None


class BodyOut(BaseModel):
    """A recorded request or response body: JSON kept as JSON, anything else only described."""

    content_type: str | None
    size: int
    truncated: bool
    body: Any = Field(default=None, description="The JSON body, redacted; absent if not JSON.")
    sha256: str | None = None
    sensitive: bool = False


class AuditEntryOut(BaseModel):
    """One API call on the tenant; `unknown` outcome and no status while it is pending."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    occurred_at: datetime
    duration_ms: float | None
    actor: ActorOut
    source: str
    action: Action
    method: str
    path: str
    route: str | None
    resource: ResourceOut
    status: int | None
    outcome: Outcome
    summary: str
    request: BodyOut | None = Field(description="Null in search results.")
    response: BodyOut | None = Field(description="Null in search results.")
    client_ip: str | None
    user_agent: str | None


class AuditPageOut(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


EXPORT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The matching entries as JSON Lines or CSV, by `format`.",
        "content": {
            "application/x-ndjson": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}
