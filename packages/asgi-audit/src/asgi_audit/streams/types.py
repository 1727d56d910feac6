"""What a stream carries and the shape every destination has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, overload

import orjson

from asgi_audit.store.native_rows import head_of
from asgi_audit.types import JSONObject


@dataclass(frozen=True, slots=True)
class Product:
    """Who made the events (OCSF `metadata.product`, CEF's header)."""

    vendor: str
    name: str
    version: str


class StreamEvent:
    """One audit entry on its way out: the entry as the API returns it (`AuditEvent.to_dict()`,
    which carries `tenant_id` and `seq`), or its JSON text as the store wrote it (`native`),
    which a native stream sends as it is; `entry` is then read from that text only when asked
    (a format that rewrites the entry), and what framing needs (`head`) from its first part."""

    __slots__ = ("_entry", "_head", "_seq", "native")

    def __init__(
        self,
        entry: JSONObject | None = None,
        *,
        native: str | None = None,
        seq: int | None = None,
    ) -> None:
        if entry is None and native is None:
            raise ValueError("an event is an entry or its JSON text")
        self._entry = entry
        self._head: JSONObject | None = None
        self.native = native
        """The entry's JSON text, as `orjson.dumps(entry)` writes it, when the store wrote it."""
        self._seq = seq

    @property
    def entry(self) -> JSONObject:
        if self._entry is None:
            assert self.native is not None
            self._entry = orjson.loads(self.native)
        return self._entry

    @property
    def head(self) -> JSONObject:
        """The entry's leading fields, those a destination frames it by (`HEAD_FIELDS`: id,
        seq, tenant, instant, status, outcome): of a JSON text, its head read alone (the bodies
        after it are most of the text, and a native stream sends them as they are); else the
        entry itself."""
        if self._entry is not None:
            return self._entry
        if self._head is None:
            assert self.native is not None
            self._head = head_of(self.native)
        return self._head

    @property
    def seq(self) -> int | None:
        """The entry's place in its tenant's log; None for a test event, which has none."""
        if self._seq is not None:
            return self._seq
        seq = self.head.get("seq")
        return seq if isinstance(seq, int) else None

    @property
    def entry_id(self) -> str:
        return str(self.head["id"])


class NativeBatch(Sequence[StreamEvent]):
    """Entries as the store wrote their JSON (`seq`, text), made events only when one is asked
    for: a native webhook splices the texts (`rows`) whole, with no object per entry, and a
    page held while it is sent keeps no object per entry for the collector to walk."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, at: int) -> StreamEvent: ...
    @overload
    def __getitem__(self, at: slice) -> NativeBatch: ...
    def __getitem__(self, at: int | slice) -> StreamEvent | NativeBatch:
        if isinstance(at, slice):
            return NativeBatch(self.rows[at])
        seq, text = self.rows[at]
        return StreamEvent(native=text, seq=seq)


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
