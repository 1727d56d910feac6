"""The storage port: what the writer and the query side need from a store, and its vocabulary."""

from __future__ import annotations

import uuid
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from asgi_audit.events import Action, ActorType, AuditEvent
from asgi_audit.types import JSONObject


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a tenant's newest-first order: entries strictly older come next."""

    occurred_at: datetime
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Criteria:
    """Validated search filters; every field narrows, None means any."""

    tenant_id: uuid.UUID
    start: datetime
    """Inclusive."""
    end: datetime
    """Exclusive."""
    actions: frozenset[Action] | None = None
    actor_type: ActorType | None = None
    actor_id: str | None = None
    actor_email: str | None = None
    """Lowercase; entries store actor emails lowercase."""
    resource_type: str | None = None
    status_min: int | None = None
    status_max: int | None = None
    """Inclusive bounds on the response status."""
    text: str | None = None
    """Case-insensitive substring of the path or the summary."""


class AuditStore(Protocol):
    """Where entries live. Implementations: `MemoryAuditStore`, `SqlAuditStore`."""

    def prepare(self) -> None:
        """Idempotent housekeeping before writing, e.g. creating the coming months' partitions."""

    def write(self, inserts: Sequence[AuditEvent], completions: Sequence[AuditEvent]) -> None:
        """In one transaction: add `inserts` (ignoring ids already stored, so a retry is safe),
        then set the outcome (and summary) of each of `completions` on its entry if that is
        still `unknown`, or already has that status (a late restatement, e.g. to say the
        outcome was established after the caller was told it was unknown)."""

    def search(self, criteria: Criteria, after: Position | None, limit: int) -> list[AuditEvent]:
        """Up to `limit` matching entries older than `after`, newest first, without bodies."""

    def export(self, criteria: Criteria, batch: int) -> Generator[list[JSONObject], None, None]:
        """Every matching entry, newest first, as `AuditEvent.to_dict()` without bodies, in
        lists of up to `batch`, from one read: memory stays flat however many match. Closing
        the iterator early releases what it holds."""

    def export_json_lines(self, criteria: Criteria, batch: int) -> Generator[bytes, None, None]:
        """What `export` yields, each batch as JSON Lines: an entry's JSON object a line (the
        same values; whitespace and number spelling may be the database's)."""

    def get(self, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> AuditEvent | None:
        """One whole entry of one tenant, bodies included."""

    def close(self) -> None:
        """Release connections."""
