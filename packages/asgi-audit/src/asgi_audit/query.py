"""Searching a tenant's log: validated filters, newest (or oldest) first, pages joined by an
opaque cursor.

A cursor is base64url of (version, the last entry's `occurred_at` and id) plus an HMAC binding
it to the tenant, every filter and the order, so a cursor altered, or carried to another
tenant, other filters or the other order, is refused. There is no OFFSET and no total count:
each page is one index range scan.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

import orjson

from asgi_audit.activity import ActivityQuery, chart, edges, slot_seconds
from asgi_audit.errors import InvalidCursor, InvalidQuery, RangeTooLarge
from asgi_audit.events import (
    MODIFICATIONS,
    Action,
    ActorType,
    AuditEvent,
    epoch_us,
    from_epoch_us,
)
from asgi_audit.export import (
    BATCH,
    Chunks,
    ExportFormat,
    csv_chunks,
    entry_lines,
    leaf_lines,
    trailer,
)
from asgi_audit.record import format_instant
from asgi_audit.store.port import AuditStore, Criteria, Position
from asgi_audit.types import JSONObject

if TYPE_CHECKING:
    from asgi_audit.export_pool import ExportPool

MAX_RANGE = timedelta(days=366)
"""The longest span one search may cover."""
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_TEXT = 200
MAX_RESOURCE_ID = 200

_CURSOR = struct.Struct(">Bq16s")
_CURSOR_VERSION = 1
_MAC_SIZE = 16
_STATUS_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)
_STATUS_CODE = re.compile(r"^[1-5][0-9][0-9]$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FIRST_INSTANT = datetime.min.replace(tzinfo=UTC)
_LAST_INSTANT = datetime.max.replace(tzinfo=UTC)
_E = TypeVar("_E", bound=StrEnum)


class ActionType(StrEnum):
    """The Action Type dropdown: modifications (the default), all, or one action."""

    MODIFICATIONS = "modifications"
    ALL = "all"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    READ = "read"

    @property
    def actions(self) -> frozenset[Action] | None:
        if self is ActionType.MODIFICATIONS:
            return MODIFICATIONS
        if self is ActionType.ALL:
            return None
        return frozenset({Action(self.value)})


class Order(StrEnum):
    """A search's order: newest first (the default) or oldest first."""

    DESC = "desc"
    ASC = "asc"


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """One validated search: what to match, how many, and where the previous page ended."""

    criteria: Criteria
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """Entries in the query's order; `next_cursor` is None on the last page."""

    items: list[AuditEvent]
    next_cursor: str | None


def parse_query(
    tenant_id: uuid.UUID,
    *,
    action_type: str | None = None,
    start: str | None = None,
    end: str | None = None,
    actor_type: str | None = None,
    actor: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    exclude_resource_type: str | None = None,
    status: str | None = None,
    q: str | None = None,
    order: str | None = None,
    limit: int | str | None = None,
    cursor: str | None = None,
    tz: tzinfo = UTC,
    today: date | None = None,
) -> AuditQuery:
    """Validate raw parameters; raises `InvalidQuery` naming the first bad one.

    `start`/`end` are ISO 8601. A date means that whole day in `tz` (so `end=2026-01-31`
    includes the 31st); a datetime without offset is read in `tz`; `end` is exclusive.
    Without them the search covers `today` (default: today in `tz`).
    """
    today = today or datetime.now(tz).date()
    lower = _instant(start, tz, "from", end_of_day=False) if start else _midnight(today, tz)
    upper = _instant(end, tz, "to", end_of_day=True) if end else _midnight(today, tz, 1)
    if lower > upper:
        raise InvalidQuery("`from` is after `to`.", "from")
    if upper - lower > MAX_RANGE:
        raise RangeTooLarge(f"A search may span at most {MAX_RANGE.days} days.", "to")
    actor_id, actor_email = _actor(actor)
    status_min, status_max = _status(status)
    criteria = Criteria(
        tenant_id=tenant_id,
        start=lower,
        end=upper,
        actions=_choice(ActionType, action_type or "modifications", "action_type").actions,
        actor_type=_actor_type(actor_type) if actor_type else None,
        actor_id=actor_id,
        actor_email=actor_email,
        resource_type=_bounded(resource_type, 64, "resource_type"),
        resource_id=_bounded(resource_id, MAX_RESOURCE_ID, "resource_id"),
        exclude_resource_type=_bounded(exclude_resource_type, 64, "exclude_resource_type"),
        status_min=status_min,
        status_max=status_max,
        text=_bounded(q, MAX_TEXT, "q"),
        oldest_first=_choice(Order, order or "desc", "order") is Order.ASC,
    )
    return AuditQuery(criteria, _limit(limit), cursor or None)


class AuditLog:
    """The read side: searches and single entries of one tenant at a time."""

    def __init__(
        self, store: AuditStore, *, cursor_key: bytes, export_pool: ExportPool | None = None
    ) -> None:
        if not cursor_key:
            raise ValueError("cursor_key must not be empty")
        self.store = store
        self._key = cursor_key
        self.export_pool = export_pool
        """Writes large JSON Lines exports in worker processes (`asgi_audit.export_pool`)."""

    def search(self, query: AuditQuery) -> Page:
        after = self._position(query.cursor, query.criteria) if query.cursor else None
        found = self.store.search(query.criteria, after, query.limit + 1)
        items = found[: query.limit]
        more = len(found) > query.limit
        return Page(items, self._cursor(items[-1], query.criteria) if more else None)

    def export(self, query: AuditQuery, fmt: ExportFormat, *, batch: int = BATCH) -> Chunks:
        """Every entry the search matches (its cursor and limit ignored), in its order, as the
        bytes of a `fmt` file, a chunk per `batch` entries; close it to stop early. JSON Lines
        are verifiable: each line proven in the tenant's latest checkpoint, which the trailer
        line carries (see `asgi_audit.export`)."""
        if fmt is ExportFormat.JSONL:
            return self._proven_entries(query.criteria, batch)
        return csv_chunks(self.store.export(query.criteria, batch))

    def export_range(
        self, tenant_id: uuid.UUID, start: int | None, end: int | None, *, batch: int = BATCH
    ) -> Chunks:
        """Every leaf `start` ≤ seq < `end` of the tenant's log, in order, as verifiable JSON
        Lines; `end` is clamped to the latest checkpoint's size (the default), so the file
        holds the whole range the trailer names."""
        if start is not None and start < 0:
            raise InvalidQuery("`seq_start` must be 0 or more.", "seq_start")
        if end is not None and end < 0:
            raise InvalidQuery("`seq_end` must be 0 or more.", "seq_end")
        if start is not None and end is not None and start > end:
            raise InvalidQuery("`seq_start` is after `seq_end`.", "seq_start")
        return self._proven_leaves(tenant_id, start or 0, end, batch)

    def _proven_entries(self, criteria: Criteria, batch: int) -> Chunks:
        checkpoint = self.store.checkpoint(criteria.tenant_id)
        size = 0 if checkpoint is None else checkpoint.size
        pooled = None if self.export_pool is None else self.export_pool.lines(criteria, size, batch)
        if pooled is not None:
            yield from pooled
        else:
            paths = self.store.inclusion_paths(criteria.tenant_id, size)
            yield from entry_lines(self.store.export_leaves(criteria, batch), paths)
        yield trailer(checkpoint, None)

    def _proven_leaves(
        self, tenant_id: uuid.UUID, start: int, end: int | None, batch: int
    ) -> Chunks:
        checkpoint = self.store.checkpoint(tenant_id)
        size = 0 if checkpoint is None else checkpoint.size
        end = max(start, size if end is None else min(end, size))
        paths = self.store.inclusion_paths(tenant_id, size)
        if start < end:
            yield from leaf_lines(self.store.leaves(tenant_id, start, end, batch), paths)
        yield trailer(checkpoint, (start, end), self.store.pruned_before(tenant_id))

    def activity(self, query: ActivityQuery) -> JSONObject:
        """The search's entries counted per bucket and category (`asgi_audit.activity`)."""
        inner = edges(query)[1:-1]
        return chart(query, self.store.activity(query.criteria, slot_seconds(inner), inner))

    def get(self, tenant_id: uuid.UUID, entry_id: uuid.UUID | str) -> AuditEvent | None:
        """The whole entry, or None if it does not exist in this tenant (or the id is malformed)."""
        if isinstance(entry_id, str):
            try:
                entry_id = uuid.UUID(entry_id)
            except ValueError:
                return None
        return self.store.get(tenant_id, entry_id)

    def _cursor(self, last: AuditEvent, criteria: Criteria) -> str:
        payload = _CURSOR.pack(_CURSOR_VERSION, epoch_us(last.occurred_at), last.id.bytes)
        token = payload + self._mac(payload, criteria)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def _position(self, cursor: str, criteria: Criteria) -> Position:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor from exc
        if len(raw) != _CURSOR.size + _MAC_SIZE:
            raise InvalidCursor
        payload, mac = raw[: _CURSOR.size], raw[_CURSOR.size :]
        if not hmac.compare_digest(mac, self._mac(payload, criteria)):
            raise InvalidCursor
        version, micros, id_bytes = _CURSOR.unpack(payload)
        if version != _CURSOR_VERSION:
            raise InvalidCursor
        return Position(from_epoch_us(micros), uuid.UUID(bytes=id_bytes))

    def _mac(self, payload: bytes, criteria: Criteria) -> bytes:
        binding = hashlib.sha256(_criteria_bytes(criteria)).digest()
        return hmac.new(self._key, payload + binding, hashlib.sha256).digest()[:_MAC_SIZE]


def _criteria_bytes(c: Criteria) -> bytes:
    return orjson.dumps(
        {
            "tenant_id": str(c.tenant_id),
            "start": format_instant(c.start),
            "end": format_instant(c.end),
            "actions": None if c.actions is None else sorted(a.value for a in c.actions),
            "actor_type": c.actor_type and c.actor_type.value,
            "actor_id": c.actor_id,
            "actor_email": c.actor_email,
            "resource_type": c.resource_type,
            "resource_id": c.resource_id,
            "exclude_resource_type": c.exclude_resource_type,
            "status": [c.status_min, c.status_max],
            "text": c.text,
            "oldest_first": c.oldest_first,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def _midnight(day: date, tz: tzinfo, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), time(), tzinfo=tz).astimezone(UTC)


def _instant(value: str, tz: tzinfo, name: str, *, end_of_day: bool) -> datetime:
    """The instant `value` names. One past the calendar's ends (e.g. the day after 9999-12-31)
    is the calendar's last or first instant, so the range checks refuse it like any other."""
    value = value.strip()
    try:
        parsed: date = (
            date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        )
    except ValueError as exc:
        raise InvalidQuery(f"`{name}` is not an ISO 8601 date or date-time.", name) from exc
    try:
        if not isinstance(parsed, datetime):
            return _midnight(parsed, tz, 1 if end_of_day else 0)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(UTC)
    except OverflowError:
        return _LAST_INSTANT if parsed.year > 1 else _FIRST_INSTANT


def _choice(enum: type[_E], value: str, name: str) -> _E:
    try:
        return enum(value.strip().lower())
    except ValueError as exc:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidQuery(f"`{name}` must be one of: {allowed}.", name) from exc


def _actor_type(value: str) -> ActorType:
    value = value.strip().lower()
    if value not in ActorType.registered:
        allowed = ", ".join(ActorType.registered)
        raise InvalidQuery(f"`actor_type` must be one of: {allowed}.", "actor_type")
    return ActorType(value)


def _actor(value: str | None) -> tuple[str | None, str | None]:
    value = _bounded(value, 320, "actor")
    if value is None:
        return None, None
    if "@" in value:
        return None, value.lower()
    try:
        return str(uuid.UUID(value)), None
    except ValueError:
        return value, None


def _status(value: str | None) -> tuple[int | None, int | None]:
    if value is None or not value.strip():
        return None, None
    value = value.strip()
    if found := _STATUS_CLASS.match(value):
        hundred = int(found.group(1)) * 100
        return hundred, hundred + 99
    if _STATUS_CODE.match(value):
        return int(value), int(value)
    raise InvalidQuery("`status` must be a class like 2xx, 4xx, 5xx or a code like 404.", "status")


def _bounded(value: str | None, size: int, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > size:
        raise InvalidQuery(f"`{name}` may be at most {size} characters.", name)
    if _CONTROL.search(value):
        raise InvalidQuery(f"`{name}` may not contain control characters.", name)
    return value


def _limit(value: int | str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError as exc:
        raise InvalidQuery("`limit` must be a whole number.", "limit") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"`limit` must be between 1 and {MAX_LIMIT}.", "limit")
    return limit
