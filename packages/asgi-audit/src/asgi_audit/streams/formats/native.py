"""`native`: the entry exactly as the API returns it; it carries `tenant_id` and `seq`."""

from __future__ import annotations

from asgi_audit.streams.types import StreamEvent
from asgi_audit.types import JSONObject


def native(event: StreamEvent) -> JSONObject:
    """The entry itself, not a copy: destinations only serialize it, and a page's entries are
    read fresh for the streams that share it (a copy was a tenth of a backfill's body cost)."""
    return event.entry
