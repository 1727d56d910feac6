"""Outbound safety: a stream never reaches into the server's own network unless told it may.

A host that resolves to a loopback, private, link-local (cloud metadata included), multicast,
reserved or unspecified address is refused; so is any scheme but `https` for HTTP destinations.
`allow_private` (the host's setting, for tests and local use) lifts both rules. Destinations check
again just before they connect, so a name that changed its answer since it was saved is caught.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeDestination(ValueError):
    """A destination the server must not connect to; the message says why."""


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse `url` unless it is absolute `https` (or `http` when `allow_private`) to a public
    host."""
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeDestination(f"the URL must use {' or '.join(schemes)}")
    if not parts.hostname:
        raise UnsafeDestination("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeDestination("the URL must not carry credentials")
    try:
        port = parts.port
    except ValueError as exc:
        raise UnsafeDestination("the URL's port is not a number from 0 to 65535") from exc
    check_host(parts.hostname, port or (443 if parts.scheme == "https" else 80), allow_private)


def check_host(host: str, port: int, allow_private: bool) -> None:
    """Refuse `host` if any address it resolves to is not public (unless `allow_private`)."""
    if not 0 < port < 65536:
        raise UnsafeDestination("the port must be from 1 to 65535")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeDestination(f"the host {host!r} does not resolve") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not _public(address):
            raise UnsafeDestination(f"the host {host!r} resolves to a non-public address")


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _public(address.ipv4_mapped)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_link_local
    )
