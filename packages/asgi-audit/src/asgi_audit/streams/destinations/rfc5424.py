"""Syslog messages as RFC 5424 writes them, framed by octet counting (RFC 6587 §3.4.1).

`<PRI>1 TIMESTAMP HOSTNAME APP-NAME - audit [<app>@32473 entryId="…" seq="…" tenantId="…"]
BOM MSG`: PRI from the facility and the outcome's severity, TIMESTAMP when the call was made,
MSG the event in the stream's format (JSON, or the CEF line) in UTF-8 after a byte order mark, as
RFC 5424 §6.4 asks of UTF-8 messages. Each frame is `MSG-LEN SP SYSLOG-MSG`.
"""

from __future__ import annotations

import orjson

from asgi_audit.streams.formats import StreamFormat, render
from asgi_audit.streams.formats.outcomes import gravity
from asgi_audit.streams.formats.reading import text
from asgi_audit.streams.types import Product, StreamEvent

FACILITY_LOG_AUDIT = 13
"""RFC 5424's facility 13, "log audit" (10 is "security/authorization", authpriv)."""
PEN = 32473
"""The private enterprise number RFC 5612 reserves for documentation: the SD-ID's `@` part."""
MSGID = "audit"
NIL = "-"
BOM = b"\xef\xbb\xbf"

_SD_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "]": "\\]"})


def sd_param_value(value: str) -> str:
    """A PARAM-VALUE with `"`, `\\` and `]` escaped (RFC 5424 §6.3.3)."""
    if '"' in value or "\\" in value or "]" in value:
        return value.translate(_SD_ESCAPES)
    return value  # an id or a tenant's: nothing to escape, and `translate` walks it slowly


def header_field(value: str | None, limit: int) -> str:
    """A header field: printable US-ASCII without spaces, at most `limit` characters (others
    become `_`); the NILVALUE `-` when there is nothing left."""
    cleaned = "".join(c if "!" <= c <= "~" else "_" for c in (value or ""))[:limit]
    return cleaned or NIL


def sd_id(app_name: str) -> str:
    """`<name>@32473`: an SD-NAME holds no `=`, space, `]` or `"`, and 32 characters at most."""
    suffix = f"@{PEN}"
    name = "".join(c for c in app_name if "!" <= c <= "~" and c not in '="]')
    return (name[: 32 - len(suffix)] or "audit") + suffix


class MessageWriter:
    """Makes an event's framed message; configured once per destination."""

    def __init__(
        self,
        fmt: StreamFormat,
        product: Product,
        *,
        hostname: str,
        app_name: str,
        facility: int = FACILITY_LOG_AUDIT,
    ) -> None:
        if not 0 <= facility <= 23:
            raise ValueError("a syslog facility is from 0 to 23")
        self.fmt = fmt
        self.product = product
        self.facility = facility
        self._hostname = header_field(hostname, 255)
        self._app_name = header_field(app_name, 48)
        self._sd_id = sd_id(app_name)

    def message(self, event: StreamEvent) -> bytes:
        """The RFC 5424 message of `event`."""
        return b"".join(self._parts(event))

    def frame(self, event: StreamEvent) -> bytes:
        """`event`'s message framed by octet counting: its length in bytes, a space, itself."""
        header, body = self._parts(event)
        return b"%d %b%b" % (len(header) + len(body), header, body)

    def _parts(self, event: StreamEvent) -> tuple[bytes, bytes]:
        """The message up to its MSG (the BOM included), and the MSG: joined once, in the
        frame, rather than copying the body at each step."""
        head = event.head
        pri = self.facility * 8 + gravity(head).syslog_severity
        timestamp = text(head, "occurred_at") or NIL
        data = f'entryId="{sd_param_value(event.entry_id)}"'
        if event.seq is not None:  # a test event has no place in the log
            data += f' seq="{event.seq}"'
        if (tenant := text(head, "tenant_id")) is not None:
            data += f' tenantId="{sd_param_value(tenant)}"'
        if head.get("test") is True:
            data += ' test="true"'
        header = (
            f"<{pri}>1 {timestamp} {self._hostname} {self._app_name} {NIL} {MSGID} "
            f"[{self._sd_id} {data}] "
        )
        return header.encode() + BOM, self._body(event)

    def _body(self, event: StreamEvent) -> bytes:
        if self.fmt is StreamFormat.NATIVE and event.native is not None:
            return event.native.encode()  # the stored text, as orjson writes its fragment
        rendered = render(event, self.fmt, self.product)
        if isinstance(rendered, str):
            return rendered.encode()
        return orjson.dumps(rendered)
