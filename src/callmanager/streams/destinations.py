"""A stream's configuration as the engine's destination, and the product its events name."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from asgi_audit.streams import Destination, Product
from asgi_audit.streams.destinations import (
    HecDestination,
    SyslogDestination,
    WebhookDestination,
)
from asgi_audit.streams.formats import StreamFormat
from callmanager.streams.models import Kind


def _version() -> str:
    try:
        return version("callmanager")
    except PackageNotFoundError:  # run from a source tree without installing
        return "0.0.0"


PRODUCT = Product(vendor="Haptap", name="Call Manager", version=_version())
"""Who makes the events a stream carries (OCSF `metadata.product`, CEF's header)."""


def build_destination(
    kind: str,
    settings: dict[str, Any],
    secrets: dict[str, Any],
    fmt: str,
    *,
    allow_private: bool,
    timeout: float,
) -> Destination:
    """The destination a stream of `kind` delivers to, from its settings and secrets."""
    common: dict[str, Any] = {
        "fmt": StreamFormat(fmt),
        "product": PRODUCT,
        "allow_private": allow_private,
        "timeout": timeout,
    }
    if kind == Kind.WEBHOOK:
        return WebhookDestination(url=settings["url"], secret=secrets["secret"], **common)
    if kind == Kind.SYSLOG:
        return SyslogDestination(
            host=settings["host"],
            port=settings["port"],
            tls=settings["tls"],
            ca_pem=settings.get("ca_pem"),
            client_cert_pem=secrets.get("client_cert_pem"),
            client_key_pem=secrets.get("client_key_pem"),
            **common,
        )
    return HecDestination(
        url=settings["url"],
        token=secrets["token"],
        host=settings.get("host"),
        source=settings["source"],
        sourcetype=settings["sourcetype"],
        index=settings.get("index"),
        ca_pem=settings.get("ca_pem"),
        **common,
    )
