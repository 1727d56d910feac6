"""What a stream carries and the shape every destination has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from asgi_audit.types import JSONObject


@dataclass(frozen=True, slots=True)
class Product:
    """Who made the events (OCSF `metadata.product`, CEF's header)."""

    vendor: str
    name: str
    version: str


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One audit entry on its way out: the entry as the API returns it (`AuditEvent.to_dict()`,
    which carries `tenant_id` and `seq`)."""

    entry: JSONObject

    @property
    def seq(self) -> int | None:
        """The entry's place in its tenant's log; None for a test event, which has none."""
        seq = self.entry.get("seq")
        return seq if isinstance(seq, int) else None

    @property
    def entry_id(self) -> str:
        return str(self.entry["id"])


class DeliveryError(Exception):
    """The receiver did not accept a batch: its HTTP status (None for a connection or TLS
    failure), a short excerpt of its answer, and whether trying again may help."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable

    @property
    def excerpt(self) -> str:
        return str(self)[:300]


class Destination(Protocol):
    """Where a stream's batches go. `send` returns once the receiver accepted the whole batch
    (a 2xx, or the TCP/TLS write completed) and raises `DeliveryError` otherwise."""

    async def send(self, batch: Sequence[StreamEvent]) -> str:
        """Deliver `batch` (in `seq` order); returns the receiver's answer, e.g. `200 OK`."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
