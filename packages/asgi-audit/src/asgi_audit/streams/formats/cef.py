"""`cef`: an entry as one line of ArcSight's Common Event Format (CEF:0), for syslog.

`CEF:0|<vendor>|<product>|<version>|<action>|<summary>|<severity>|<extension>`. In the header a
backslash and a pipe are escaped (`\\\\`, `\\|`); the header cannot hold a line break, so one
becomes a space (the whole summary is in `msg`). In the extension a backslash, an equals sign and
line breaks are escaped (`\\\\`, `\\=`, `\\n`, `\\r`); its keys are the CEF dictionary's, the
`csN`/`cnN` custom fields labelled.
"""

from __future__ import annotations

from collections.abc import Iterator

from asgi_audit.streams.formats.outcomes import gravity
from asgi_audit.streams.formats.reading import epoch_ms, ip_address, part, text
from asgi_audit.streams.types import Product, StreamEvent
from asgi_audit.types import JSON

MAX_NAME = 512
"""CEF's limit on the header's Name (the summary); `msg` keeps the whole summary."""

OUTCOMES = {"succeeded": "success", "failed": "failure"}
"""The entry's outcome as CEF's `outcome` (anything else: `unknown`)."""

_HEADER = (("\\", "\\\\"), ("|", "\\|"), ("\r", " "), ("\n", " "))
_VALUE = (("\\", "\\\\"), ("=", "\\="), ("\r", "\\r"), ("\n", "\\n"))
# The backslash first, so the escapes added after it are not escaped again. Chained `replace`
# (skipped when the character is absent) is several times faster than `str.translate` here.


def header_field(value: str) -> str:
    """A header field, escaped."""
    return _escaped(value, _HEADER)


def extension_value(value: str) -> str:
    """An extension value, escaped."""
    return _escaped(value, _VALUE)


def _escaped(value: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for char, escape in escapes:
        if char in value:
            value = value.replace(char, escape)
    return value


def cef(event: StreamEvent, product: Product) -> str:
    """`event` as one CEF line (no line break in it: every one is escaped)."""
    entry = event.entry
    header = (
        "CEF:0",
        header_field(product.vendor),
        header_field(product.name),
        header_field(product.version),
        header_field(text(entry, "action") or "unknown"),
        header_field((text(entry, "summary") or "")[:MAX_NAME]),
        str(gravity(entry).cef_severity),
    )
    extension = " ".join(f"{key}={extension_value(value)}" for key, value in _extension(event))
    return "|".join(header) + "|" + extension


def _extension(event: StreamEvent) -> Iterator[tuple[str, str]]:
    """The extension's pairs, in a fixed order; a missing value is left out."""
    entry = event.entry
    actor = part(entry, "actor")
    resource = part(entry, "resource")
    kind = text(actor, "type") or "anonymous"
    yield "rt", str(epoch_ms(entry))
    yield from _pair("externalId", event.seq)
    yield "act", text(entry, "action") or "unknown"
    yield "outcome", OUTCOMES.get(str(entry.get("outcome")), "unknown")
    yield from _pair("msg", entry.get("summary"))
    # The person, when there is one; a task or a Partner is named by its kind.
    yield "suser", text(actor, "email") or text(actor, "name") or kind.capitalize()
    yield from _pair("suid", actor.get("id"))
    yield from _source_address(text(entry, "client_ip"))
    yield from _pair("requestMethod", entry.get("method"))
    yield from _pair("request", entry.get("path"))
    yield from _pair("requestClientApplication", entry.get("user_agent"))
    yield from _pair("cat", resource.get("type"))
    yield from _labelled("cn1", "httpStatus", entry.get("status"))
    duration = entry.get("duration_ms")
    if isinstance(duration, int | float):
        yield from _labelled("cn2", "durationMs", round(duration))
    yield from _labelled("cs1", "tenantId", entry.get("tenant_id"))
    yield from _labelled("cs2", "entryId", entry.get("id"))
    yield from _labelled("cs3", "resourceId", resource.get("id"))
    yield from _labelled("cs4", "resourceName", resource.get("name"))
    yield from _labelled("cs5", "source", entry.get("source"))
    yield from _labelled("cs6", "actorType", kind)
    if entry.get("test") is True:
        yield from _labelled("flexString1", "test", "true")


def _source_address(client: str | None) -> Iterator[tuple[str, str]]:
    """`src` holds an IPv4 address; an IPv6 one goes to `c6a2`, anything else to `shost`."""
    if client is None:
        return
    address = ip_address(client)
    if address is None:
        yield "shost", client
    elif address.version == 4:
        yield "src", str(address)
    else:
        yield from _labelled("c6a2", "Source IPv6 Address", str(address))


def _pair(key: str, value: JSON) -> Iterator[tuple[str, str]]:
    if value is not None:
        yield key, str(value)


def _labelled(key: str, label: str, value: JSON) -> Iterator[tuple[str, str]]:
    if value is not None:
        yield key, str(value)
        yield f"{key}Label", label


def _number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
