"""Reading an entry's JSON form (`AuditEvent.to_dict()`) defensively: a test event, or an entry
stored by an older version, may lack a field; every format reads it the same way."""

from __future__ import annotations

from datetime import datetime

from asgi_audit.events import epoch_us
from asgi_audit.types import JSONObject


def text(entry: JSONObject, key: str) -> str | None:
    """`entry[key]` if it is a string."""
    value = entry.get(key)
    return value if isinstance(value, str) else None


def part(entry: JSONObject, key: str) -> JSONObject:
    """`entry[key]` if it is an object (the actor, the resource, a body), else empty."""
    value = entry.get(key)
    return value if isinstance(value, dict) else {}


def epoch_ms(entry: JSONObject) -> int:
    """When the call was made, in milliseconds since the Unix epoch."""
    return epoch_us(datetime.fromisoformat(str(entry["occurred_at"]))) // 1000
