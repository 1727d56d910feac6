"""An in-memory `AuditStore` with the same semantics as the SQL one, for fast tests."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

import orjson

from asgi_audit.events import ENTRY, Action, AuditEvent, Outcome, canonical_bytes
from asgi_audit.record import Kind
from asgi_audit.store.paths import InclusionPaths
from asgi_audit.store.port import (
    Canonical,
    Category,
    Criteria,
    Head,
    Leaf,
    LogHead,
    Position,
    Pruned,
    SlotCount,
    StoredCheckpoint,
    always,
    is_pruned,
    merge_completions,
)
from asgi_audit.store.tree import Appender, perfect
from asgi_audit.tlog.merkle import CompactRange, Node, consistency_proof, inclusion_proof
from asgi_audit.tlog.note import Verifier
from asgi_audit.types import JSONObject

DOCUMENTS = tuple(f.path for f in ENTRY.fields if f.kind is Kind.DOCUMENT)
"""The entry's bodies: what `raw_documents` hands over as their JSON text."""


class MemoryAuditStore:
    """Entries in a dict; setting `unavailable` makes writes raise, like a store outage."""

    def __init__(self) -> None:
        self._entries: dict[uuid.UUID, AuditEvent] = {}
        self._edges: dict[uuid.UUID, CompactRange] = {}
        self._leaves: dict[uuid.UUID, list[tuple[uuid.UUID, bytes]]] = {}
        self._checkpoints: dict[uuid.UUID, dict[int, StoredCheckpoint]] = {}
        self._checkpointed_at: dict[uuid.UUID, datetime] = {}
        self._keys: dict[str, datetime] = {}
        self._marks: dict[uuid.UUID, datetime] = {}
        self._lock = threading.RLock()
        self.unavailable = False
        self.writes = 0

    def prepare(self) -> None:
        return None

    def write(
        self,
        inserts: Sequence[AuditEvent],
        completions: Sequence[AuditEvent],
        settled: Callable[[AuditEvent], bool] = always,
    ) -> None:
        with self._lock:
            if self.unavailable:
                raise ConnectionError("the in-memory audit store is switched off")
            inserts, completions = merge_completions(inserts, completions)
            log = self._appender([*inserts, *completions])
            for event in inserts:
                if event.id not in self._entries:
                    final = event.outcome is not Outcome.UNKNOWN
                    self._entries[event.id] = event.appended(log.append(event)) if final else event
            for event in completions:
                stored = self._entries.get(event.id)
                if stored is not None and stored.seq is None:
                    self._entries[event.id] = (
                        event.appended(log.append(event)) if settled(event) else event
                    )
            self._grow(log)
            self.writes += 1

    def _appender(self, events: Iterable[AuditEvent]) -> Appender:
        tenants = {e.tenant_id for e in events}
        return Appender({t: self._edges.get(t, CompactRange()).copy() for t in tenants})

    def _grow(self, log: Appender) -> None:
        for growth in log.changed():
            tenant = growth.tenant_id
            self._edges[tenant] = growth.edge
            self._leaves.setdefault(tenant, []).extend(
                (entry_id, digest) for _, _, entry_id, digest in growth.leaves
            )

    def search(self, criteria: Criteria, after: Position | None, limit: int) -> list[AuditEvent]:
        with self._lock:
            entries = list(self._entries.values())
        found = _ordered([e for e in entries if _matches(e, criteria, after)], criteria)
        return [e.without_bodies() for e in found[:limit]]

    def export(self, criteria: Criteria, batch: int) -> Generator[list[JSONObject], None, None]:
        found = self.search(criteria, None, len(self._entries))
        for start in range(0, len(found), batch):
            yield [event.to_dict() for event in found[start : start + batch]]

    def export_documents(
        self, criteria: Criteria, batch: int
    ) -> Generator[list[JSONObject], None, None]:
        with self._lock:
            found = [e for e in self._entries.values() if _matches(e, criteria, None)]
        found = _ordered(found, criteria)
        for start in range(0, len(found), batch):
            yield [e.to_dict() for e in found[start : start + batch]]

    def export_leaves(
        self, criteria: Criteria, batch: int
    ) -> Generator[list[Canonical], None, None]:
        with self._lock:
            found = [e for e in self._entries.values() if _matches(e, criteria, None)]
        found = _ordered(found, criteria)
        for start in range(0, len(found), batch):
            yield [(e.seq, canonical_bytes(e)) for e in found[start : start + batch]]

    def inclusion_paths(self, tenant_id: uuid.UUID, size: int) -> InclusionPaths:
        with self._lock:
            return InclusionPaths(size, self._source(tenant_id))

    def activity(
        self, criteria: Criteria, slot_seconds: int, edges: Sequence[datetime] = ()
    ) -> list[SlotCount]:
        with self._lock:
            found = [e for e in self._entries.values() if _matches(e, criteria, None)]
        counts = Counter((_slot(e.occurred_at, slot_seconds), Category.of(e)) for e in found)
        return [SlotCount(slot, category, n) for (slot, category), n in sorted(counts.items())]

    def get(self, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> AuditEvent | None:
        with self._lock:
            event = self._entries.get(entry_id)
        return event if event is not None and event.tenant_id == tenant_id else None

    def all(self) -> list[AuditEvent]:
        """Every entry of every tenant, oldest first."""
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: (e.occurred_at, e.id))

    def close(self) -> None:
        return None

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
        last = through if through is not None else float("inf")
        with self._lock:
            found = [
                e
                for e in self._entries.values()
                if e.tenant_id == tenant_id
                and e.seq is not None
                and after < e.seq <= last
                and (actions is None or e.action in actions)
            ]
        found.sort(key=lambda e: e.seq or 0)
        entries = [e.to_dict() for e in found[:limit]]
        if raw_documents:
            for entry in entries:
                for name in DOCUMENTS:
                    if entry.get(name) is not None:
                        raw = orjson.Fragment(orjson.dumps(entry[name]))
                        entry[name] = raw  # type: ignore[assignment]  # written as JSON
        return entries

    def native_after(
        self,
        tenant_id: uuid.UUID,
        after: int,
        limit: int,
        *,
        through: int | None = None,
        actions: frozenset[Action] | None = None,
    ) -> list[tuple[int, str]]:
        found = self.entries_after(tenant_id, after, limit, through=through, actions=actions)
        return [(cast(int, e["seq"]), orjson.dumps(e).decode()) for e in found]

    def count_after(
        self, tenant_id: uuid.UUID, after: int, actions: frozenset[Action] | None = None
    ) -> int:
        with self._lock:
            return sum(
                1
                for e in self._entries.values()
                if e.tenant_id == tenant_id
                and e.seq is not None
                and e.seq > after
                and (actions is None or e.action in actions)
            )

    def log_head(self, tenant_id: uuid.UUID) -> LogHead | None:
        with self._lock:
            edge = self._edges.get(tenant_id)
            if edge is None or edge.size == 0:
                return None
            seq = edge.size - 1
            entry_id = self._leaves[tenant_id][seq][0]
            entry = self._entries.get(entry_id)
        return LogHead(seq, None if entry is None else entry.occurred_at)

    # -- the log -----------------------------------------------------------------------------

    def seal(self, before: datetime, limit: int) -> int:
        with self._lock:
            pending = sorted(
                (e for e in self._entries.values() if e.seq is None and e.occurred_at < before),
                key=lambda e: (e.occurred_at, e.id),
            )[:limit]
            log = self._appender(pending)
            for event in pending:
                self._entries[event.id] = event.appended(log.append(event))
            self._grow(log)
            return len(pending)

    def heads_to_checkpoint(self, not_since: datetime) -> list[Head]:
        with self._lock:
            heads = []
            for tenant, edge in self._edges.items():
                done = max(self._checkpoints.get(tenant, {0: None}))
                at = self._checkpointed_at.get(tenant)
                if edge.size > done and (at is None or at < not_since):
                    heads.append(Head(tenant, edge.size, edge.root()))
            return heads

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        with self._lock:
            stored = self._checkpoints.setdefault(checkpoint.tenant_id, {})
            stored.setdefault(checkpoint.size, checkpoint)
            self._checkpointed_at[checkpoint.tenant_id] = checkpoint.created_at

    def checkpoint(self, tenant_id: uuid.UUID, size: int | None = None) -> StoredCheckpoint | None:
        with self._lock:
            stored = self._checkpoints.get(tenant_id, {})
            if size is None:
                return stored[max(stored)] if stored else None
            return stored.get(size)

    def checkpoints(
        self, tenant_id: uuid.UUID, below: int | None, limit: int
    ) -> list[StoredCheckpoint]:
        with self._lock:
            stored = self._checkpoints.get(tenant_id, {})
            sizes = sorted((s for s in stored if below is None or s < below), reverse=True)
            return [stored[s] for s in sizes[:limit]]

    def _source(self, tenant_id: uuid.UUID) -> Callable[[Iterable[Node]], dict[Node, bytes]]:
        hashes = [digest for _, digest in self._leaves.get(tenant_id, [])]

        def source(wanted: Iterable[Node]) -> dict[Node, bytes]:
            return {
                (level, i): perfect(hashes[i << level : (i + 1) << level]) for level, i in wanted
            }

        return source

    def inclusion_proof(self, tenant_id: uuid.UUID, seq: int, size: int) -> list[bytes]:
        with self._lock:
            return inclusion_proof(seq, size, self._source(tenant_id))

    def consistency_proof(self, tenant_id: uuid.UUID, old: int, size: int) -> list[bytes]:
        with self._lock:
            return consistency_proof(old, size, self._source(tenant_id))

    def record_key(self, verifier: Verifier, at: datetime) -> None:
        with self._lock:
            self._keys.setdefault(verifier.key, at)

    def key_dates(self) -> dict[str, datetime]:
        with self._lock:
            return dict(self._keys)

    def prune(self, tenant_id: uuid.UUID, before: datetime, limit: int | None = None) -> Pruned:
        with self._lock:
            mark = self._marks.get(tenant_id)
            self._marks[tenant_id] = before if mark is None else max(mark, before)
            gone = [
                e.id
                for e in self._entries.values()
                if e.tenant_id == tenant_id and e.seq is not None and e.occurred_at < before
            ]
            more = limit is not None and len(gone) > limit
            gone = gone[:limit] if limit is not None else gone
            for entry_id in gone:
                del self._entries[entry_id]
        return Pruned(tenant_id, before, len(gone), more=more)

    def pruned_before(self, tenant_id: uuid.UUID) -> datetime | None:
        with self._lock:
            return self._marks.get(tenant_id)

    def leaves(
        self, tenant_id: uuid.UUID, start: int, end: int, batch: int
    ) -> Generator[list[Leaf], None, None]:
        with self._lock:
            stored = self._leaves.get(tenant_id, [])[start:end]
            mark = self._marks.get(tenant_id)
            found = [
                Leaf(
                    start + n,
                    entry_id,
                    digest,
                    self._entries.get(entry_id),
                    entry_id not in self._entries and is_pruned(entry_id, mark),
                )
                for n, (entry_id, digest) in enumerate(stored)
            ]
        for i in range(0, len(found), batch):
            yield found[i : i + batch]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _slot(at: datetime, seconds: int) -> datetime:
    """The start of the slot of `seconds` (since the epoch) that `at` falls in."""
    size = timedelta(seconds=seconds)
    return _EPOCH + (at - _EPOCH) // size * size


def _ordered(found: list[AuditEvent], c: Criteria) -> list[AuditEvent]:
    return sorted(found, key=lambda e: (e.occurred_at, e.id), reverse=not c.oldest_first)


def search_text(e: AuditEvent) -> str:
    """What free text matches, as the SQL store's `tables.SEARCH_COLUMNS` (lowercase)."""
    name = getattr(e.resource, "name", None)
    parts = (e.path, e.summary, e.actor.type.value, e.actor.email, e.actor.name, name)
    return " ".join(part or "" for part in parts).lower()


def _matches(e: AuditEvent, c: Criteria, after: Position | None) -> bool:
    if e.tenant_id != c.tenant_id or not c.start <= e.occurred_at < c.end:
        return False
    if after is not None:
        here, there = (e.occurred_at, e.id), (after.occurred_at, after.id)
        if (here <= there) if c.oldest_first else (here >= there):
            return False
    if c.actions is not None and e.action not in c.actions:
        return False
    checks = (
        c.actor_type is None or e.actor.type is c.actor_type,
        c.actor_id is None or e.actor.id == c.actor_id,
        c.actor_email is None or e.actor.email == c.actor_email,
        c.resource_type is None or e.resource.type == c.resource_type,
        c.resource_id is None or e.resource.id == c.resource_id,
        c.exclude_resource_type is None or e.resource.type != c.exclude_resource_type,
        c.status_min is None or (e.status is not None and e.status >= c.status_min),
        c.status_max is None or (e.status is not None and e.status <= c.status_max),
        c.text is None or c.text.lower() in search_text(e),
    )
    return all(checks)
