"""Retention in a SQL store: removing a tenant's entries older than its period, while every
leaf, tree node and checkpoint stays, so the log still verifies and proves what remains.

One pruning of a tenant to an instant `before`:

1. Its retention mark (`audit_retention.before`) moves forward to `before`, in a transaction of
   its own, before any entry goes: from then on a leaf whose entry is gone and whose entry id's
   instant is before the mark is *pruned*, not *missing* (`store/verify.py`). A crash half way
   leaves entries that the next run removes.
2. On PostgreSQL, each monthly partition that ends by `before` and holds nothing any other
   tenant still needs (no other tenant's rows, none of this tenant's pending ones) is dropped
   whole after its counts are taken off the activity rollup: a month of a tenant in one
   statement instead of row by row. Locking the partition first makes the check and the drop
   one step.
3. What remains (the month `before` cuts through, and months other tenants still use) is
   deleted per tenant in batches of `batch` entries, each its own short transaction under a
   deletion grant (the one path the entries' delete trigger allows, `store/guards.py`):
   the batch's rows are read, their counts taken off the rollup, their searched text removed
   (SQLite's FTS5 table, through `audit_search_ids`), the rows deleted. On SQLite the write
   lock is held for one batch at a time, so the audit writer keeps writing between batches.

Pending entries (not yet in the log) are never removed: they have no leaf to stand for them.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from asgi_audit.store.port import Category, Pruned
from asgi_audit.store.rollup import Counts, slot_number
from asgi_audit.store.tables import (
    PARTITION_PREFIX,
    SQLITE_SEARCH_IDS,
    activity,
    c,
    deletion_grants,
    entries,
    retention,
)

log = logging.getLogger("asgi_audit")

GAVE_WAY = ("55P03", "40P01")
"""PostgreSQL's errors when `lock_timeout` passes, or a deadlock (with a reader of the whole
table that reached the month after us) is broken by giving up the drop."""

BATCH = 500
"""Entries removed per transaction: SQLite's write lock is held this long at most."""

DROP_WAIT_S = 2.0
"""How long dropping a month may wait for its locks (PostgreSQL drops a partition under an
exclusive lock on the whole table: a long export holds it off, and everyone would queue behind
the waiting drop). Past it, that month's entries are deleted row by row instead."""

Between = Callable[[int], None]
"""Told after each committed batch how many entries it removed (tests write meanwhile)."""

_ROLLUP_KEY = ("tenant_id", "slot", "action", "category", "actor_type")
_BATCH_COLUMNS = (c.tenant_id, c.occurred_at, c.id, c.action, c.status, c.outcome, c.actor_type)


class Pruner:
    """Prunes tenants' logs in one SQL store (see the module docstring)."""

    def __init__(
        self, engine: Engine, *, batch: int = BATCH, drop_wait_s: float = DROP_WAIT_S
    ) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.batch = batch
        self.drop_wait_s = drop_wait_s
        statement = (pg_insert if self.postgres else sqlite_insert)(retention)
        self._mark = statement.on_conflict_do_update(
            index_elements=["tenant_id"],
            set_={
                "before": func.max(retention.c.before, statement.excluded.before)
                if not self.postgres
                else func.greatest(retention.c.before, statement.excluded.before),
                "pruned_at": statement.excluded.pruned_at,
            },
        )
        self._counts = Counts(engine.dialect.name)
        self._subtract = (
            update(activity)
            .where(*(activity.c[key] == bindparam(f"k_{key}") for key in _ROLLUP_KEY))
            .values(count=activity.c.count - bindparam("n"))
        )

    def pruned_before(self, tenant_id: uuid.UUID) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.scalar(select(retention.c.before).where(retention.c.tenant_id == tenant_id))

    def prune(
        self,
        tenant_id: uuid.UUID,
        before: datetime,
        limit: int | None = None,
        between: Between | None = None,
    ) -> Pruned:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                self._mark,
                {"tenant_id": tenant_id, "before": before, "pruned": 0, "pruned_at": now},
            )
        removed = 0
        dropped: list[str] = []
        if self.postgres:
            for name, start, end in self._partitions(before):
                count = self._drop_if_unneeded(tenant_id, name, start, end)
                if count is not None:
                    dropped.append(name)
                    removed += count
        after: tuple[datetime, uuid.UUID] | None = None
        while limit is None or removed < limit:
            n, after = self._delete_batch(tenant_id, before, after)
            if not n:
                return Pruned(tenant_id, before, removed, tuple(dropped))
            removed += n
            if between is not None:
                between(n)
        return Pruned(tenant_id, before, removed, tuple(dropped), more=True)

    # -- row by row, in bounded batches ------------------------------------------------------

    def _delete_batch(
        self, tenant_id: uuid.UUID, before: datetime, after: tuple[datetime, uuid.UUID] | None
    ) -> tuple[int, tuple[datetime, uuid.UUID] | None]:
        """One batch, the oldest entries after the last batch's (`after`: on PostgreSQL the
        deleted rows stay in the index until vacuumed, and each batch would walk them again);
        returns how many went and where to go on from."""
        grant = {"tenant_id": tenant_id, "before": before}
        where = [c.tenant_id == tenant_id, c.occurred_at < before, c.seq.is_not(None)]
        if after is not None:
            # As the search's cursor is written: the index range on `occurred_at` applies.
            at, last = after
            where += [c.occurred_at >= at, or_(c.occurred_at > at, c.id > last)]
        with self.engine.begin() as conn:
            # A write first: on SQLite the transaction takes the write lock at once.
            conn.execute(insert(deletion_grants), [grant])
            rows = conn.execute(
                select(*_BATCH_COLUMNS)
                .where(*where)
                .order_by(c.occurred_at, c.id)
                .limit(self.batch)
            ).all()
            if rows:
                self._uncount(conn, _counted(rows))
                if not self.postgres:
                    self._unsearch(conn, [row.id for row in rows])
                keys = [(row.tenant_id, row.occurred_at, row.id) for row in rows]
                conn.execute(
                    delete(entries).where(tuple_(c.tenant_id, c.occurred_at, c.id).in_(keys))
                )
                self._add_pruned(conn, tenant_id, len(rows))
            conn.execute(
                delete(deletion_grants).where(
                    deletion_grants.c.tenant_id == tenant_id, deletion_grants.c.before == before
                )
            )
        if not rows:
            return 0, after
        return len(rows), (rows[-1].occurred_at, rows[-1].id)

    def _unsearch(self, conn: Connection, ids: Sequence[uuid.UUID]) -> None:
        """Remove the entries' searched text from SQLite's FTS5 table, by its row ids."""
        found = text(
            f"SELECT search_rowid FROM {SQLITE_SEARCH_IDS} WHERE entry_id IN :ids"  # noqa: S608 - our table
        ).bindparams(bindparam("ids", expanding=True))
        hex_ids = [entry_id.hex for entry_id in ids]
        rowids = list(conn.execute(found, {"ids": hex_ids}).scalars())
        if rowids:
            conn.execute(
                text("DELETE FROM audit_search WHERE rowid IN :rowids").bindparams(
                    bindparam("rowids", expanding=True)
                ),
                {"rowids": rowids},
            )
        conn.execute(
            text(f"DELETE FROM {SQLITE_SEARCH_IDS} WHERE entry_id IN :ids").bindparams(  # noqa: S608 - our table
                bindparam("ids", expanding=True)
            ),
            {"ids": hex_ids},
        )

    def _uncount(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Take removed entries off the activity rollup; hours left at zero go."""
        if not rows:
            return
        conn.execute(
            self._subtract,
            [{f"k_{k}": row[k] for k in _ROLLUP_KEY} | {"n": row["count"]} for row in rows],
        )
        tenants = {row["tenant_id"] for row in rows}
        slots = [row["slot"] for row in rows]
        conn.execute(
            delete(activity).where(
                activity.c.tenant_id.in_(tenants),
                activity.c.slot >= min(slots),
                activity.c.slot <= max(slots),
                activity.c.count <= 0,
            )
        )

    def _add_pruned(self, conn: Connection, tenant_id: uuid.UUID, n: int) -> None:
        conn.execute(
            update(retention)
            .where(retention.c.tenant_id == tenant_id)
            .values(pruned=retention.c.pruned + n)
        )

    # -- whole months (PostgreSQL) -----------------------------------------------------------

    def _partitions(self, before: datetime) -> list[tuple[str, datetime, datetime]]:
        """The monthly partitions that end by `before`, oldest first."""
        query = text(
            "SELECT child.relname FROM pg_inherits "
            "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE parent.relname = 'audit_entries' ORDER BY child.relname"
        )
        with self.engine.connect() as conn:
            names = list(conn.execute(query).scalars())
        found = []
        for name in names:
            month = _month_of(name)
            if month is None:
                continue
            start, end = month
            if end <= before:
                found.append((name, start, end))
        return found

    def _drop_if_unneeded(
        self, tenant_id: uuid.UUID, name: str, start: datetime, end: datetime
    ) -> int | None:
        """Drop the partition `name` if only this tenant's final entries are in it; returns
        how many entries went with it, or None when it stays."""
        table = f'"{name}"'
        try:
            return self._drop(tenant_id, table, start, end)
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in GAVE_WAY:
                raise
            log.info("retention: %s is busy; its entries are deleted row by row", name)
            return None

    def _drop(self, tenant_id: uuid.UUID, table: str, start: datetime, end: datetime) -> int | None:
        with self.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL lock_timeout = '{int(self.drop_wait_s * 1000)}ms'"))
            # The month alone first (nobody else uses it): the check, the counting and the drop
            # are one step; only the drop itself needs the whole table, for a moment.
            conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            others = conn.execute(
                text(
                    f"SELECT 1 FROM {table} WHERE tenant_id < :t OR tenant_id > :t "  # noqa: S608 - a partition's name
                    "OR (tenant_id = :t AND seq IS NULL) LIMIT 1"
                ),
                {"t": tenant_id},
            ).first()
            if others is not None:
                return None
            in_month = (c.tenant_id == tenant_id, c.occurred_at >= start, c.occurred_at < end)
            rows = [dict(row._mapping) for row in conn.execute(self._counts.counted_in(*in_month))]
            self._uncount(conn, rows)
            total = int(sum(row["count"] for row in rows))
            conn.execute(text(f"DROP TABLE {table}"))
            if total:
                self._add_pruned(conn, tenant_id, total)
        return total


def _counted(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The rollup rows a batch of entries counted: one per key, with how many."""
    counts = Counter(
        (
            row.tenant_id,
            slot_number(row.occurred_at),
            row.action,
            Category.of_values(row.outcome, row.status, row.action).value,
            row.actor_type,
        )
        for row in rows
    )
    return [dict(zip(_ROLLUP_KEY, key, strict=True)) | {"count": n} for key, n in counts.items()]


def _month_of(name: str) -> tuple[datetime, datetime] | None:
    """The month a partition named `audit_entries_pYYYYMM` holds: [start, end)."""
    digits = name.removeprefix(PARTITION_PREFIX)
    if digits == name or len(digits) != 6 or not digits.isdigit():
        return None
    year, month = int(digits[:4]), int(digits[4:])
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end
