"""An in-memory `AuditStore` with the same semantics as the SQL one, for fast tests."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Generator, Sequence

import orjson

from asgi_audit.events import AuditEvent, Outcome
from asgi_audit.store.port import Criteria, Position
from asgi_audit.types import JSONObject


class MemoryAuditStore:
    """Entries in a dict; setting `unavailable` makes writes raise, like a store outage."""

    def __init__(self) -> None:
        self._entries: dict[uuid.UUID, AuditEvent] = {}
        self._lock = threading.Lock()
        self.unavailable = False
        self.writes = 0

    def prepare(self) -> None:
        return None

    def write(self, inserts: Sequence[AuditEvent], completions: Sequence[AuditEvent]) -> None:
        with self._lock:
            if self.unavailable:
                raise ConnectionError("the in-memory audit store is switched off")
            for event in inserts:
                self._entries.setdefault(event.id, event)
            for event in completions:
                stored = self._entries.get(event.id)
                if stored is not None and (
                    stored.outcome is Outcome.UNKNOWN or stored.status == event.status
                ):
                    self._entries[event.id] = event
            self.writes += 1

    def search(self, criteria: Criteria, after: Position | None, limit: int) -> list[AuditEvent]:
        with self._lock:
            entries = list(self._entries.values())
        found = [e for e in entries if _matches(e, criteria, after)]
        found.sort(key=lambda e: (e.occurred_at, e.id), reverse=True)
        return [e.without_bodies() for e in found[:limit]]

    def export(self, criteria: Criteria, batch: int) -> Generator[list[JSONObject], None, None]:
        found = self.search(criteria, None, len(self._entries))
        for start in range(0, len(found), batch):
            yield [event.to_dict() for event in found[start : start + batch]]

    def export_json_lines(self, criteria: Criteria, batch: int) -> Generator[bytes, None, None]:
        for entries in self.export(criteria, batch):
            yield b"".join(orjson.dumps(entry) + b"\n" for entry in entries)

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


def _matches(e: AuditEvent, c: Criteria, after: Position | None) -> bool:
    if e.tenant_id != c.tenant_id or not c.start <= e.occurred_at < c.end:
        return False
    if after is not None and (e.occurred_at, e.id) >= (after.occurred_at, after.id):
        return False
    if c.actions is not None and e.action not in c.actions:
        return False
    checks = (
        c.actor_type is None or e.actor.type is c.actor_type,
        c.actor_id is None or e.actor.id == c.actor_id,
        c.actor_email is None or e.actor.email == c.actor_email,
        c.resource_type is None or e.resource.type == c.resource_type,
        c.status_min is None or (e.status is not None and e.status >= c.status_min),
        c.status_max is None or (e.status is not None and e.status <= c.status_max),
        c.text is None or c.text.lower() in f"{e.path} {e.summary}".lower(),
    )
    return all(checks)
