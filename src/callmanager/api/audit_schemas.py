"""The audit log's JSON as the OpenAPI document describes it (the routes write it with orjson
straight from `AuditEvent.to_dict`; these models only document that shape)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
    type: str | None = Field(description="Null for a path the API does not have.")
    id: str | None = Field(description="For a create, the id the response returned.")
    name: str | None = Field(
        default=None,
        description="The resource as people know it (a group's name, a user's email): as it "
        "was before an edit or delete, as a create named it. Absent when not known.",
    )


class FieldChangeOut(BaseModel):
    """One changed field: `before`/`after`, or `added`/`removed` for a list of scalars."""

    field: str = Field(description="A dotted path for a nested value, e.g. business_hours.monday")
    before: Any = None
    after: Any = None
    added: list[Any] | None = None
    removed: list[Any] | None = None


class ChangesOut(BaseModel):
    """What a successful edit changed, against the resource as read just before it."""

    basis: str = Field(
        json_schema_extra={"enum": ["captured", "unknown"]},
        description="`unknown`: the resource's earlier state could not be read (no fields).",
    )
    fields: list[FieldChangeOut]


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
    changes: ChangesOut | None = Field(
        default=None,
        description="A successful edit's changes; absent otherwise, null in search results.",
    )
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


class SigningKeyOut(BaseModel):
    name: str
    verifier_key: str = Field(description="`<name>+<8 hex digits key id>+<base64(0x01 ‖ key)>`")
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    active: bool = Field(description="Whether it signs new checkpoints.")
    created_at: datetime | None = Field(description="When it first signed; null if unknown.")


class SigningKeysOut(BaseModel):
    keys: list[SigningKeyOut]


class CheckpointOut(BaseModel):
    size: int
    root: str = Field(description="The tree's root hash, base64.")
    note: str = Field(description="The C2SP signed note, exactly as signed.")
    created_at: datetime


class CheckpointPageOut(BaseModel):
    checkpoints: list[CheckpointOut]
    next_cursor: str | None


class InclusionProofOut(BaseModel):
    entry_id: uuid.UUID
    seq: int
    leaf: str = Field(description="The entry's leaf bytes (its canonical JSON), base64.")
    tree_size: int
    inclusion_path: list[str] = Field(description="Base64 hashes, RFC 9162 order, leaf first.")
    checkpoint: str = Field(description="The signed note of the tree of `tree_size` leaves.")


class ConsistencyOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    old: int = Field(alias="from")
    new: int = Field(alias="to")
    proof: list[str] = Field(description="Base64 hashes (RFC 9162 consistency proof).")


CHECKPOINT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The C2SP signed note of the latest checkpoint.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}

LEAVES_MEDIA_TYPE = "application/x-ndjson"
LEAVES_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": 'JSON Lines: `{"seq", "entry_id", "leaf"}` per leaf, in order.',
        "content": {LEAVES_MEDIA_TYPE: {"schema": {"type": "string"}}},
    }
}
