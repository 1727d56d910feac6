"""The activity chart's counts: a rollup of final entries per hour, and the indexed scan.

A month of a busy tenant is hundreds of thousands of entries; counting them row by row, even
from a covering index, takes longer than a chart may. So the writer counts each entry once, in
the transaction that gives it its place in the log (it never changes after), into
`audit_activity`: per tenant, hour of UTC, action, category and kind of actor. A chart whose
filters are only those (action type, actor type), in a time zone whose offset is whole hours
(so its local midnights are hours of UTC), reads the rollup for the whole hours of its range,
and scans the entries for the rest, in the same statement (one snapshot): the partial hours at
either end of the range, and the entries still pending (not yet final, so not yet counted; the
pending index finds them). Any other filter or zone counts by the scan alone.

Retention that removes entries removes their hours' counts with them (`store/retention.py`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Insert,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import Grouping

from asgi_audit.events import MODIFICATIONS, Action, AuditEvent, Outcome
from asgi_audit.store.port import FAILED_FROM, REFUSED_STATUSES, Category, Criteria
from asgi_audit.store.tables import NOT_READ, PENDING, activity, c

SLOT = timedelta(hours=1)
"""The rollup's slot of UTC time: an hour. A busy tenant's quarter hours each held nearly as
many rows as entries (every combination of the key occurs); its hours hold a third as many."""
SLOT_SECONDS = 3600
MAX_CASE_EDGES = 64
"""Up to this many bucket edges the rollup is summed per bucket in SQL (one `CASE`, tested in
order per row); a longer chart groups by hour."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEY = ("tenant_id", "slot", "action", "category", "actor_type")
_SQLITE_PAD = {13: ":00:00", 16: ":00", 19: ""}
"""What completes a prefix of SQLite's stored instant (`YYYY-MM-DD HH:MM:SS.ffffff`): the
hour, the minute or the second an entry's slot is named by."""

CATEGORY = case(
    (or_(c.outcome == Outcome.UNKNOWN.value, c.status.is_(None)), Category.UNKNOWN.value),
    (c.status.in_(REFUSED_STATUSES), Category.REFUSED.value),
    (c.status >= FAILED_FROM, Category.FAILED.value),
    (c.action == Action.READ.value, Category.READS.value),
    else_=Category.MODIFICATIONS.value,
)
"""`Category.of` in SQL: every column it reads is in the activity index."""


# A batch's counts, added by key (each key once per statement: the batch is folded first).
_UPSERT = (
    f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET count = audit_activity.count + excluded.count"
)
_PG_ADD = (
    f"INSERT INTO audit_activity ({', '.join(_KEY)}, count) "  # noqa: S608 - our column names
    "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::text[], %b::text[], "
    f"%b::bigint[]) {_UPSERT}"
)
"""The arrays go in binary: encoding a batch's keys as text took half the statement's time."""
_SQLITE_ADD = (
    f"INSERT INTO audit_activity ({', '.join(_KEY)}, count) VALUES (?, ?, ?, ?, ?, ?) {_UPSERT}"  # noqa: S608
)


def slot_of(at: datetime) -> datetime:
    """The start of the hour of UTC that `at` falls in."""
    return _EPOCH + (at - _EPOCH) // SLOT * SLOT


def slot_number(at: datetime) -> int:
    """The rollup's `slot` of an instant: its hour's start in epoch seconds."""
    return (at - _EPOCH) // SLOT * SLOT_SECONDS


Key = tuple[uuid.UUID, int, str, str, str]
"""A rollup row's key: tenant, slot, action, category, kind of actor."""


def activity_key(e: AuditEvent) -> Key:
    """Where a final entry is counted in the rollup."""
    # `str` of these kinds is their value, without `Enum.value`'s Python-level property.
    return (
        e.tenant_id,
        slot_number(e.occurred_at),
        str(e.action),
        str(Category.of(e)),
        str(e.actor.type),
    )


def fold(events: Iterable[AuditEvent]) -> Counter[Key]:
    """How many of `events` fall on each key of the rollup: a batch adds each key once."""
    return Counter(map(activity_key, events))


def rollup_usable(criteria: Criteria, slot_seconds: int) -> bool:
    """Whether the rollup can answer: no filter beyond its own columns, slots of an hour."""
    others = (
        criteria.actor_id,
        criteria.actor_email,
        criteria.resource_type,
        criteria.resource_id,
        criteria.exclude_resource_type,
        criteria.status_min,
        criteria.status_max,
        criteria.text,
    )
    return slot_seconds >= SLOT_SECONDS and all(value is None for value in others)


class Counts:
    """The activity counts' SQL on one database ('sqlite' or 'postgresql')."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def add(self, conn: Connection, folded: Counter[Key]) -> None:
        """Add a batch's counts (`fold` of the entries that just became final) in the writer's
        transaction: one upsert statement on PostgreSQL (the keys as arrays), the driver's
        `executemany` on SQLite."""
        if not folded:
            return
        if self.postgres:
            columns: list[list[Any]] = [[] for _ in range(len(_KEY) + 1)]
            for key, n in folded.items():
                for column, value in zip(columns, (*key, n), strict=True):
                    column.append(value)
            driver = conn.connection.driver_connection
            assert driver is not None
            with driver.cursor() as cursor:
                cursor.execute(_PG_ADD, columns)
            return
        rows = [(t.hex, s, a, k, actor, n) for (t, s, a, k, actor), n in folded.items()]
        conn.exec_driver_sql(_SQLITE_ADD, rows)

    def fill(self, tenant_id: uuid.UUID | None = None) -> Insert:
        """Counts every final entry (of one tenant, or all): a migration's or a bulk load's."""
        slot = self._rollup_slot_of_entry().label("slot")
        keys = (c.tenant_id, slot, c.action, CATEGORY.label("category"), c.actor_type)
        query = select(*keys, func.count()).where(c.seq.is_not(None)).group_by(*keys)
        if tenant_id is not None:
            query = query.where(c.tenant_id == tenant_id)
        return insert(activity).from_select([*_KEY, "count"], query)

    def counted_in(self, *where: ColumnElement[bool]) -> Select[Any]:
        """The rollup's rows (key columns and count) of the final entries matching `where`:
        what retention takes off before dropping a month of entries whole."""
        slot = self._rollup_slot_of_entry().label("slot")
        keys = (c.tenant_id, slot, c.action, CATEGORY.label("category"), c.actor_type)
        return (
            select(*keys, func.count().label("count"))
            .where(c.seq.is_not(None), *where)
            .group_by(*keys)
        )

    def forget(self, tenant_id: uuid.UUID) -> Any:
        """Drops one tenant's counts (before `fill` counts them again)."""
        return delete(activity).where(activity.c.tenant_id == tenant_id)

    def query(
        self,
        criteria: Criteria,
        where: Any,
        slot_seconds: int,
        edges: Sequence[datetime] = (),
    ) -> Select[Any]:
        """(slot, category, n) rows counting the matching entries; `where(criteria)` is the
        store's conditions of a search. Slots are those of `slot_seconds`; the rollup's are
        summed per bucket of `edges` (the chart's inner edges) when there are few enough."""
        if not rollup_usable(criteria, slot_seconds):
            return self._scan(criteria, where, slot_seconds)
        first = _ceil(criteria.start)
        last = slot_of(criteria.end)
        if first >= last:
            return self._scan(criteria, where, slot_seconds)
        parts: list[Select[Any]] = [self._rolled(criteria, first, last, slot_seconds, edges)]
        for lo, hi in ((criteria.start, first), (last, criteria.end)):
            if lo < hi:
                parts.append(self._scan(replace(criteria, start=lo, end=hi), where, slot_seconds))
        parts.append(self._pending(criteria, first, last, slot_seconds))
        return union_all(*parts)  # type: ignore[return-value]

    def slot_start(self, value: Any) -> datetime:
        """A slot as a row gives it (epoch seconds, or on SQLite a scan's prefix of the stored
        text) as an instant."""
        if isinstance(value, str):
            return datetime.fromisoformat(value + _SQLITE_PAD[len(value)]).replace(tzinfo=UTC)
        return _EPOCH + timedelta(seconds=int(value))

    def _scan(
        self, criteria: Criteria, where: Any, seconds: int, *more: ColumnElement[bool]
    ) -> Select[Any]:
        slot = self._entry_slot(seconds).label("slot")
        category = CATEGORY.label("category")
        return (
            select(slot, category, func.count().label("n"))
            .where(*where(criteria), *more)
            .group_by(slot, category)
        )

    def _pending(
        self, criteria: Criteria, first: datetime, last: datetime, seconds: int
    ) -> Select[Any]:
        """The entries not yet final in [first, last), found by the pending index (the few
        entries without a place in the log). SQLite would rather walk the tenant's range, so
        there the tenant is compared as `+tenant_id`, which no index serves."""
        tenant: ColumnElement[Any] = c.tenant_id
        if not self.postgres:
            tenant = literal_column("+audit_entries.tenant_id", c.tenant_id.type)
        query = self._scan(
            criteria,
            lambda _f: [
                PENDING,
                c.occurred_at >= first,
                c.occurred_at < last,
                tenant == criteria.tenant_id,
            ],
            seconds,
        )
        if criteria.actions == MODIFICATIONS:
            query = query.where(NOT_READ)
        elif criteria.actions is not None:
            query = query.where(c.action.in_(sorted(x.value for x in criteria.actions)))
        if criteria.actor_type is not None:
            query = query.where(c.actor_type == criteria.actor_type.value)
        return query

    def _rolled(
        self,
        criteria: Criteria,
        first: datetime,
        last: datetime,
        seconds: int,
        edges: Sequence[datetime],
    ) -> Select[Any]:
        """The rollup's counts in [first, last), summed per slot of `seconds` (an hour), or
        per bucket of `edges`, each labelled by its first hour in the range: a month by day is
        then a few hundred rows to return, not thousands."""
        a = activity.c
        inner = [slot_number(at) for at in edges if first < at < last]
        slot: ColumnElement[Any]
        if seconds == SLOT_SECONDS and 0 < len(inner) <= MAX_CASE_EDGES:
            labels = [slot_number(first), *inner]
            if self.postgres:
                # A binary search over the edges for each row, not a `CASE` testing them in
                # order: a busy month is ~10 k rollup rows, ~30 edges.
                found = func.width_bucket(a.slot, _bigints(inner))
                slot = Grouping(_bigints(labels))[found + 1]
            else:
                slot = case(
                    *((a.slot < edge, label) for edge, label in zip(inner, labels, strict=False)),
                    else_=labels[-1],
                )
        elif seconds == SLOT_SECONDS:
            slot = a.slot  # whole hours group by the stored slot itself, in the key's order
        else:
            slot = a.slot // seconds * seconds
        slot = type_coerce(slot, BigInteger).label("slot")
        n = cast(func.sum(a.count), BigInteger).label("n")  # PostgreSQL's sum is numeric
        query = select(slot, a.category, n).where(
            a.tenant_id == criteria.tenant_id,
            a.slot >= slot_number(first),
            a.slot < slot_number(last),
        )
        if criteria.actions == MODIFICATIONS:
            query = query.where(a.action != Action.READ.value)
        elif criteria.actions is not None:
            query = query.where(a.action.in_(sorted(x.value for x in criteria.actions)))
        if criteria.actor_type is not None:
            query = query.where(a.actor_type == criteria.actor_type.value)
        return query.group_by(slot, a.category)

    def _entry_slot(self, seconds: int) -> ColumnElement[Any]:
        """The slot an entry falls in: on SQLite a prefix of the stored UTC text (the hour,
        minute or second), on PostgreSQL the slot's start in seconds since the epoch."""
        if self.postgres:
            epoch = func.extract("epoch", c.occurred_at)
            start = func.floor(epoch / seconds).cast(BigInteger) * seconds
            return type_coerce(start, BigInteger)
        length = 13 if seconds >= 3600 else 16 if seconds >= 60 else 19
        return type_coerce(func.substr(literal_column("occurred_at", String), 1, length), String)

    def _rollup_slot_of_entry(self) -> ColumnElement[Any]:
        """`slot_number` in SQL."""
        if self.postgres:
            epoch = func.floor(func.extract("epoch", c.occurred_at) / SLOT_SECONDS)
            return cast(epoch, BigInteger) * SLOT_SECONDS
        seconds = cast(func.strftime("%s", literal_column("occurred_at", String)), Integer)
        return seconds // SLOT_SECONDS * SLOT_SECONDS


def _bigints(values: Sequence[int]) -> Any:
    """A PostgreSQL `bigint[]` parameter (indexed from 1, as PostgreSQL does)."""
    return bindparam(None, list(values), type_=postgresql.ARRAY(BigInteger))


def _ceil(at: datetime) -> datetime:
    start = slot_of(at)
    return start if start == at else start + SLOT
