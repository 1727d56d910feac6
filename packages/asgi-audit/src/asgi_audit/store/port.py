"""The storage port: what the writer and the query side need from a store, and its vocabulary."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from asgi_audit.events import Action, ActorType, AuditEvent, Outcome, occurred_at_of
from asgi_audit.tlog.note import Verifier
from asgi_audit.types import JSONObject

if TYPE_CHECKING:
    from asgi_audit.store.paths import InclusionPaths


Canonical = tuple[int | None, bytes]
"""An entry as an export writes it: its seq (None while pending) and its canonical bytes
(`canonical_bytes`, its leaf bytes once it is in the log)."""


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a search's order: entries strictly after it (older, or newer when the search
    is oldest first) come next."""

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
    resource_id: str | None = None
    """Exact; with `resource_type`, the history of one thing."""
    exclude_resource_type: str | None = None
    """Entries of this resource type are left out (those of no type stay)."""
    status_min: int | None = None
    status_max: int | None = None
    """Inclusive bounds on the response status."""
    text: str | None = None
    """Case-insensitive substring of the searched text: path, summary, the actor's type,
    email and name, the resource's name (`tables.SEARCH_COLUMNS`)."""
    oldest_first: bool = False
    """The order of a search or export (newest first by default); it narrows nothing."""


class Category(StrEnum):
    """The activity chart's classes of entry, exclusive: each entry is in exactly one."""

    MODIFICATIONS = "modifications"
    """Succeeded creates, edits and deletes."""
    READS = "reads"
    """Succeeded reads."""
    REFUSED = "refused"
    """Status 401 or 403, whatever the action."""
    FAILED = "failed"
    """Any other status from 400 up."""
    UNKNOWN = "unknown"
    """Outcome unknown (pending, or sealed without one)."""

    @classmethod
    def of(cls, event: AuditEvent) -> Category:
        return cls.of_values(event.outcome.value, event.status, event.action.value)

    @classmethod
    def of_values(cls, outcome: str, status: int | None, action: str) -> Category:
        """The category of an entry from its stored outcome, status and action."""
        if outcome == Outcome.UNKNOWN.value or status is None:
            return cls.UNKNOWN
        if status in REFUSED_STATUSES:
            return cls.REFUSED
        if status >= FAILED_FROM:
            return cls.FAILED
        return cls.READS if action == Action.READ.value else cls.MODIFICATIONS


REFUSED_STATUSES = (401, 403)
FAILED_FROM = 400


@dataclass(frozen=True, slots=True)
class SlotCount:
    """How many matching entries of one category occurred in one slot of time (UTC, of
    `slot_seconds` starting at a multiple of it since the epoch)."""

    slot: datetime
    category: Category
    count: int


def always(_event: AuditEvent) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A signed checkpoint of one tenant's log."""

    tenant_id: uuid.UUID
    size: int
    root: bytes
    note: str
    """The signed note, exactly as signed."""
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Head:
    """A tenant's tree as it stands: its size and root."""

    tenant_id: uuid.UUID
    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class LogHead:
    """The last place taken in a tenant's log: its `seq`, and when its entry occurred (None once
    retention removed it). A stream's lag is measured against it."""

    seq: int
    occurred_at: datetime | None


@dataclass(frozen=True, slots=True)
class Leaf:
    """One leaf of a tenant's log; `entry` is None once retention removed it."""

    seq: int
    entry_id: uuid.UUID
    hash: bytes
    entry: AuditEvent | None
    pruned: bool = False
    """Its entry was removed by retention (it occurred before the tenant's retention mark);
    an entry gone without being pruned is missing."""


def is_pruned(entry_id: uuid.UUID, mark: datetime | None) -> bool:
    """Whether a leaf's entry, gone, was pruned: the instant its id encodes is before the
    tenant's retention mark."""
    occurred_at = occurred_at_of(entry_id)
    return mark is not None and occurred_at is not None and occurred_at < mark


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one pruning of a tenant's log removed: `entries` that occurred before `before`
    (their leaves stay, hash only); `partitions` dropped whole on the way (PostgreSQL)."""

    tenant_id: uuid.UUID
    before: datetime
    entries: int
    partitions: tuple[str, ...] = ()
    more: bool = False
    """Stopped at the limit asked: entries before `before` may remain for another call."""


class AuditStore(Protocol):
    """Where entries live. Implementations: `MemoryAuditStore`, `SqlAuditStore`."""

    def prepare(self) -> None:
        """Idempotent housekeeping before writing, e.g. creating the coming months' partitions."""

    def write(
        self,
        inserts: Sequence[AuditEvent],
        completions: Sequence[AuditEvent],
        settled: Callable[[AuditEvent], bool] = always,
    ) -> None:
        """In one transaction: add `inserts` (ignoring ids already stored, so a retry is safe),
        then set the outcome (and summary) of each of `completions` on its entry while that is
        pending (not yet in the log). Complete entries take the next places in their tenants'
        logs, except completions not `settled` (asked at the last moment: their caller gave
        up waiting, and a restatement follows), which stay pending."""

    def search(self, criteria: Criteria, after: Position | None, limit: int) -> list[AuditEvent]:
        """Up to `limit` matching entries after `after` in the criteria's order (newest first
        unless `oldest_first`), without bodies."""

    def export(self, criteria: Criteria, batch: int) -> Generator[list[JSONObject], None, None]:
        """Every matching entry, in the criteria's order, as `AuditEvent.to_dict()` without
        bodies, in lists of up to `batch`, from one read: memory stays flat however many
        match. Closing the iterator early releases what it holds."""

    def export_documents(
        self, criteria: Criteria, batch: int
    ) -> Generator[list[JSONObject], None, None]:
        """What `export` yields, as whole entries' JSON objects, bodies included: exactly
        what `AuditEvent.to_dict()` writes (and its leaf encodes)."""

    def export_leaves(
        self, criteria: Criteria, batch: int
    ) -> Generator[list[Canonical], None, None]:
        """What `export_documents` yields, as each entry's seq and canonical bytes, written
        straight from the stored row where it can (see `store/verify_rows.py`)."""

    def inclusion_paths(self, tenant_id: uuid.UUID, size: int) -> InclusionPaths:
        """Proves many leaves in the tenant's tree of `size` leaves, batch by batch."""

    def activity(
        self, criteria: Criteria, slot_seconds: int, edges: Sequence[datetime] = ()
    ) -> list[SlotCount]:
        """The matching entries counted by slot of `slot_seconds` (3600, 60 or 1: an hour,
        a minute, a second of UTC) and category; slots without entries are left out. Given the
        chart's inner bucket `edges` (each a slot's start), a store may merge the slots of one
        bucket into one count, labelled by a slot inside that bucket."""

    def get(self, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> AuditEvent | None:
        """One whole entry of one tenant, bodies included."""

    def entries_after(
        self,
        tenant_id: uuid.UUID,
        after: int,
        limit: int,
        *,
        through: int | None = None,
        actions: frozenset[Action] | None = None,
        raw_documents: bool = False,
    ) -> list[JSONObject]:
        """Up to `limit` of the tenant's final entries with `after` < seq (≤ `through` when
        given), in `seq` order, as whole entries' JSON objects (`AuditEvent.to_dict()`, bodies
        included, keys in its order); only those of `actions` when given. What a log stream
        reads. With `raw_documents` each body is an `orjson.Fragment` of its JSON text, for a
        reader that writes it out unchanged: `orjson.dumps` of the entry is the API's JSON,
        a body's keys in their stored (sorted) order."""

    def native_after(
        self,
        tenant_id: uuid.UUID,
        after: int,
        limit: int,
        *,
        through: int | None = None,
        actions: frozenset[Action] | None = None,
    ) -> list[tuple[int, str]]:
        """The entries `entries_after` gives, each as its `seq` and its JSON: the text
        `orjson.dumps` writes of `entries_after`'s entry with raw documents: the API's JSON, a
        body's keys in their stored order (what a native log stream sends)."""

    def count_after(
        self, tenant_id: uuid.UUID, after: int, actions: frozenset[Action] | None = None
    ) -> int:
        """How many of the tenant's final entries have `after` < seq (only those of `actions`
        when given): what a filtered log stream has yet to deliver."""

    def log_head(self, tenant_id: uuid.UUID) -> LogHead | None:
        """The tenant's last place in its log; None while its log is empty."""

    def seal(self, before: datetime, limit: int) -> int:
        """Append to their tenants' logs up to `limit` entries still pending (outcome never
        stored) that occurred before `before`, oldest first, as they stand; they can no
        longer change. Returns how many."""

    def heads_to_checkpoint(self, not_since: datetime) -> list[Head]:
        """Tenants whose tree grew since their last checkpoint, made before `not_since`."""

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Store a signed checkpoint (one of the same size already stored stays)."""

    def checkpoint(self, tenant_id: uuid.UUID, size: int | None = None) -> StoredCheckpoint | None:
        """The checkpoint of exactly `size`, or the latest when `size` is None."""

    def checkpoints(
        self, tenant_id: uuid.UUID, below: int | None, limit: int
    ) -> list[StoredCheckpoint]:
        """Up to `limit` checkpoints smaller than `below` (any when None), largest first."""

    def inclusion_proof(self, tenant_id: uuid.UUID, seq: int, size: int) -> list[bytes]:
        """The audit path of leaf `seq` in the tree of `size` leaves (RFC 9162)."""

    def consistency_proof(self, tenant_id: uuid.UUID, old: int, size: int) -> list[bytes]:
        """The proof that the tree of `old` leaves is a prefix of the one of `size`."""

    def leaves(
        self, tenant_id: uuid.UUID, start: int, end: int, batch: int
    ) -> Generator[list[Leaf], None, None]:
        """The leaves `start` ≤ seq < `end`, in order, with their entries, in lists."""

    def prune(self, tenant_id: uuid.UUID, before: datetime, limit: int | None = None) -> Pruned:
        """Remove the tenant's final entries that occurred before `before` (retention): their
        leaves, the tree and the checkpoints stay, so what remains still verifies; the
        activity counts lose them. Idempotent: a second call with the same `before` removes
        nothing more. The tenant's retention mark only moves forward. With `limit`, stops
        once about that many are removed (`Pruned.more`)."""

    def pruned_before(self, tenant_id: uuid.UUID) -> datetime | None:
        """The tenant's retention mark: entries before it were pruned (None: never pruned)."""

    def record_key(self, verifier: Verifier, at: datetime) -> None:
        """Note that `verifier`'s key signs from `at` on (the first date noted stays)."""

    def key_dates(self) -> dict[str, datetime]:
        """When each key noted by `record_key` was first used, by verifier key string."""

    def close(self) -> None:
        """Release connections."""


def merge_completions(
    inserts: Sequence[AuditEvent], completions: Sequence[AuditEvent]
) -> tuple[list[AuditEvent], list[AuditEvent]]:
    """An entry recorded and completed in the same batch is inserted complete (the last
    outcome queued wins); the other completions stay."""
    completed = {e.id: e for e in completions}
    merged = [completed.pop(e.id, e) if e.outcome is Outcome.UNKNOWN else e for e in inserts]
    return merged, [e for e in completions if e.id in completed and completed[e.id] is e]
