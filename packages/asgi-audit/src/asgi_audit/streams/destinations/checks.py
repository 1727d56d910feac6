"""The outbound safety check every destination makes just before it connects, as a
`DeliveryError`: an unsafe destination will not become safe by waiting (not retryable), a name
that does not resolve may (retryable). The host is resolved off the event loop; with private
addresses allowed nothing is resolved, and the URL's form is checked in place (no thread hop
for each batch)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from asgi_audit.streams.safety import UnsafeDestination, check_host, check_url
from asgi_audit.streams.types import DeliveryError


async def checked_host(host: str, port: int, *, allow_private: bool) -> None:
    """Raise `DeliveryError` unless `host` may be connected to (resolved off the event loop)."""
    await _checked(lambda: check_host(host, port, allow_private), resolves=not allow_private)


async def checked_url(url: str, *, allow_private: bool) -> None:
    """Raise `DeliveryError` unless `url` may be requested."""
    await _checked(lambda: check_url(url, allow_private=allow_private), resolves=not allow_private)


async def _checked(check: Callable[[], None], *, resolves: bool) -> None:
    try:
        if resolves:
            await asyncio.to_thread(check)
        else:
            check()
    except UnsafeDestination as exc:
        raise DeliveryError(
            f"unsafe destination: {exc}", retryable=isinstance(exc.__cause__, socket.gaierror)
        ) from exc
