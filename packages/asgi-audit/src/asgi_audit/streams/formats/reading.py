"""Reading an entry's JSON form (`AuditEvent.to_dict()`) defensively: a test event, or an entry
stored by an older version, may lack a field; every format reads it the same way."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from functools import lru_cache

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


@lru_cache(maxsize=4096)
def ip_address(client: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A client's address, or None for a name that is not one (remembered: the same few
    clients make most calls, and parsing an address costs more than rendering around it)."""
    try:
        return ipaddress.ip_address(client)
    except ValueError:
        return None
