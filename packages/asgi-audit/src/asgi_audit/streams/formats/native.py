"""`native`: the entry exactly as the API returns it; it carries `tenant_id` and `seq`."""

from __future__ import annotations

from asgi_audit.streams.types import StreamEvent
from asgi_audit.types import JSONObject


def native(event: StreamEvent) -> JSONObject:
    return dict(event.entry)
