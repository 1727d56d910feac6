"""The forms a stream's events take: `native` (the entry as the API returns it), `ocsf` (OCSF
API Activity) and `cef` (ArcSight Common Event Format, for syslog)."""

from __future__ import annotations

from enum import StrEnum

import orjson

from asgi_audit.streams.formats.cef import cef
from asgi_audit.streams.formats.native import native
from asgi_audit.streams.formats.ocsf import ocsf
from asgi_audit.streams.types import Product, StreamEvent
from asgi_audit.types import JSONObject


class StreamFormat(StrEnum):
    NATIVE = "native"
    OCSF = "ocsf"
    CEF = "cef"


def render(
    event: StreamEvent, fmt: StreamFormat, product: Product
) -> JSONObject | orjson.Fragment | str:
    """`event` in `fmt`: a JSON object (native, ocsf; a native entry's JSON text as an
    `orjson.Fragment` when the store wrote it) or one line of text (cef)."""
    if fmt is StreamFormat.NATIVE:
        return native(event)
    if fmt is StreamFormat.OCSF:
        return ocsf(event, product)
    return cef(event, product)
