"""The audit store's tables in SQLAlchemy Core, with the indexes that serve the log's queries.

`docs/audit.md` maps each index to the query it serves. On PostgreSQL the entries table is
range-partitioned by month on `occurred_at` (partitions are made by `SqlAuditStore`); on SQLite
an FTS5 trigram table fed by a trigger serves free-text search.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    Float,
    Index,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
    event,
    func,
    literal_column,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from asgi_audit.events import ENTRY
from asgi_audit.record import Field, Kind, Record

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python; naive UTC with microseconds in SQLite, `timestamptz` in PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Document = JSON()
"""A JSON body, kept as the text it was written as (`json` on PostgreSQL, not `jsonb`, which
rewrites numbers: `1e16` would read back as an integer and `-0.0` as `0.0`, and an entry's
leaf is recomputed from what is read back)."""

_TYPES: dict[Kind, Callable[[Field], TypeEngine[Any]]] = {
    Kind.UUID: lambda _f: Uuid(),
    Kind.INSTANT: lambda _f: UTCDateTime(),
    Kind.STRING: lambda f: String(f.length),
    Kind.TEXT: lambda _f: Text(),
    Kind.SMALLINT: lambda _f: SmallInteger(),
    Kind.BIGINT: lambda _f: BigInteger(),
    Kind.FLOAT: lambda _f: Float(),
    Kind.DOCUMENT: lambda _f: Document,
}
"""The column type of each kind of field."""


def columns(record: Record[Any]) -> list[Column[Any]]:
    """The table's columns, one per field of `record`, in its order."""
    return [Column(f.column, _TYPES[f.kind](f), nullable=not f.required) for f in record.fields]


entries = Table(
    "audit_entries",
    metadata,
    *columns(ENTRY),
    PrimaryKeyConstraint(*ENTRY.key, name="pk_audit_entries"),
    postgresql_partition_by="RANGE (occurred_at)",
)
c = entries.c

NOT_READ = c.action != literal_column("'read'")
"""The modifications filter, written as a literal so the partial index below applies."""

SEARCH_COLUMNS = tuple(
    name
    for name in ("path", "summary", "actor_type", "actor_email", "actor_name", "resource_name")
    if name in c
)
"""What free-text search matches, in this order: where the call went, its sentence, who made
it (kind, email, name: a System task's name is its task, a partner is `partner`) and the
resource as people know it (`resource_name`, once the record has it). The one place that says
so: the expression below, PostgreSQL's trigram index and SQLite's FTS5 triggers derive from it."""


def search_text_sql(row: str = "") -> str:
    """The searched text in SQL, of columns prefixed by `row` (`new.` in a trigger): the
    columns joined by spaces, a null one as empty."""
    parts = [f"coalesce({row}{name}, '')" for name in SEARCH_COLUMNS]
    return " || ' ' || ".join(parts)


def _searched() -> ColumnElement[str]:
    text: ColumnElement[str] | None = None
    for name in SEARCH_COLUMNS:
        part = func.coalesce(c[name], literal_column("''"))
        text = part if text is None else text + literal_column("' '") + part
    assert text is not None
    return text


SEARCH_TEXT = func.lower(_searched())
"""What free-text search matches, lowercased (PostgreSQL's trigram index is on exactly this)."""

Index(
    "ix_audit_entries_modifications",
    c.tenant_id,
    c.occurred_at,
    c.id,
    postgresql_where=NOT_READ,
    sqlite_where=NOT_READ,
)
FAILED = c.status >= literal_column("400")
"""Added to a status filter of 4xx or 5xx, as a literal, so the failures' partial index applies:
failures are rare, and walking the tenant's whole range for them is what a status filter cost."""

Index(
    "ix_audit_entries_failures",
    c.tenant_id,
    c.occurred_at,
    c.id,
    postgresql_where=FAILED,
    sqlite_where=FAILED,
)
Index("ix_audit_entries_seq", c.tenant_id, c.seq)
PENDING = c.seq.is_(None)
"""Entries not yet in their tenant's log (a modification waiting for its outcome)."""
Index("ix_audit_entries_pending", c.occurred_at, postgresql_where=PENDING, sqlite_where=PENDING)
Index("ix_audit_entries_action", c.tenant_id, c.action, c.occurred_at, c.id)
Index("ix_audit_entries_actor_id", c.tenant_id, c.actor_id, c.occurred_at, c.id)
Index("ix_audit_entries_actor_email", c.tenant_id, c.actor_email, c.occurred_at, c.id)
Index("ix_audit_entries_resource_type", c.tenant_id, c.resource_type, c.occurred_at, c.id)
Index(
    "ix_audit_entries_resource",
    c.tenant_id,
    c.resource_type,
    c.resource_id,
    c.occurred_at,
    c.id,
)
"""The history of one thing: its tenant, type and id, in time order either way."""
Index(
    "ix_audit_entries_activity",
    c.tenant_id,
    c.occurred_at,
    c.action,
    c.status,
    c.outcome,
)
"""Covers the activity chart's count: a tenant's range, classified without reading the rows."""
SEARCH_INDEX = "ix_audit_entries_search"
POSTGRES_SEARCH_DDL = (
    f"CREATE INDEX {SEARCH_INDEX} ON audit_entries "
    f"USING gin (lower({search_text_sql()}) gin_trgm_ops)"
)
"""PostgreSQL's trigram index on exactly `SEARCH_TEXT` (made by the migrations)."""
SQLITE_SEARCH_TABLE = "audit_search"
_SEARCHED = search_text_sql("new.")
_INDEX_NEW = f"INSERT INTO audit_search (text, entry_id) VALUES ({_SEARCHED}, new.id); "  # noqa: S608 - our column names
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE audit_search USING fts5(text, entry_id UNINDEXED, tokenize='trigram')",
    "CREATE TRIGGER audit_entries_search AFTER INSERT ON audit_entries "
    "WHEN new.seq IS NOT NULL BEGIN "
    f"{_INDEX_NEW}END",
    "CREATE TRIGGER audit_entries_search_final AFTER UPDATE OF seq ON audit_entries "
    "WHEN old.seq IS NULL AND new.seq IS NOT NULL BEGIN "
    f"{_INDEX_NEW}END",
)
"""Free-text search on SQLite: an entry's text is indexed once, when it becomes final (takes
its place in the log, inserted complete or completed later, or sealed), for it never changes
after; its summary may change until then. Pending entries are matched by a scan instead."""
SQLITE_SEARCH_FILL = (
    f"INSERT INTO audit_search (text, entry_id) SELECT {search_text_sql()}, id "  # noqa: S608 - our column names
    "FROM audit_entries WHERE seq IS NOT NULL"
)
"""Indexes the final entries already stored (a migration rebuilding the FTS5 table)."""

PARTITION_PREFIX = "audit_entries_p"
"""PostgreSQL partitions are named `audit_entries_pYYYYMM`."""


def _before_create(_target: Any, connection: Any, **_kw: Any) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))


def _after_create(_target: Any, connection: Any, **_kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_DDL:
            connection.execute(text(statement))


event.listen(entries, "before_create", _before_create)
event.listen(entries, "after_create", _after_create)


# -- the Merkle log (see `store/tree.py`) ----------------------------------------------------------

leaves = Table(
    "audit_leaves",
    metadata,
    Column("tenant_id", Uuid(), nullable=False),
    Column("seq", BigInteger(), nullable=False),
    Column("entry_id", Uuid(), nullable=False),
    Column("hash", LargeBinary(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "seq", name="pk_audit_leaves"),
)
"""One row per leaf: its entry and its hash (kept when retention removes the entry)."""

nodes = Table(
    "audit_nodes",
    metadata,
    Column("tenant_id", Uuid(), nullable=False),
    Column("level", SmallInteger(), nullable=False),
    Column("idx", BigInteger(), nullable=False),
    Column("hash", LargeBinary(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "level", "idx", name="pk_audit_nodes"),
)
"""Complete subtrees' hashes at every `NODE_STRIDE`-th level above the leaves."""

heads = Table(
    "audit_heads",
    metadata,
    Column("tenant_id", Uuid(), nullable=False),
    Column("size", BigInteger(), nullable=False),
    Column("edge", LargeBinary(), nullable=False),
    Column("checkpointed", BigInteger(), nullable=False),
    Column("checkpointed_at", UTCDateTime(), nullable=True),
    PrimaryKeyConstraint("tenant_id", name="pk_audit_heads"),
)
"""Each tenant's tree: its size and right edge (locked to append), and its last checkpoint."""

checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("tenant_id", Uuid(), nullable=False),
    Column("size", BigInteger(), nullable=False),
    Column("root", LargeBinary(), nullable=False),
    Column("note", Text(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "size", name="pk_audit_checkpoints"),
)
"""Signed checkpoints, never replaced."""

signing_keys = Table(
    "audit_signing_keys",
    metadata,
    Column("name", String(), nullable=False),
    Column("key_id", String(8), nullable=False),
    Column("public_key", LargeBinary(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("name", "key_id", name="pk_audit_signing_keys"),
)
"""When each signing key was first used (what to trust comes from configuration, not here)."""

deletion_grants = Table(
    "audit_deletion_grants",
    metadata,
    Column("tenant_id", Uuid(), nullable=False),
    Column("before", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "before", name="pk_audit_deletion_grants"),
)
"""Written and removed inside the one transaction that deletes a tenant's entries older than
`before` (retention): the entries' delete trigger allows nothing else (`store/guards.py`)."""

retention = Table(
    "audit_retention",
    metadata,
    Column("tenant_id", Uuid(), nullable=False),
    Column("before", UTCDateTime(), nullable=False),
    Column("pruned", BigInteger(), nullable=False),
    Column("pruned_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", name="pk_audit_retention"),
)
"""Each pruned tenant's retention mark: every final entry that occurred before `before` has
been removed (its leaf stays, hash only), `pruned` of them so far, last on `pruned_at`. The
mark is set before the entries go, so a leaf whose entry is gone is *pruned* exactly when the
instant in its entry's id is before it, and *missing* otherwise (`store/retention.py`)."""

SQLITE_SEARCH_IDS = "audit_search_ids"
"""SQLite: which row of `audit_search` holds each entry's text (FTS5 cannot index its
`entry_id`), so retention removes an entry's searched text with the entry, by key."""
_MAP_NEW = f"INSERT INTO {SQLITE_SEARCH_IDS} VALUES (new.id, last_insert_rowid()); "  # noqa: S608 - our names
SQLITE_SEARCH_INSERT_TRIGGER = "audit_entries_search"
"""The trigger that indexed each final entry as it was inserted, until migration a007."""
SQLITE_SEARCH_INSERT_TRIGGER_DDL = (
    f"CREATE TRIGGER {SQLITE_SEARCH_INSERT_TRIGGER} AFTER INSERT ON audit_entries "
    f"WHEN new.seq IS NOT NULL BEGIN {_INDEX_NEW}{_MAP_NEW}END"
)
"""That trigger as migration a006 made it (and a007's downgrade makes it again)."""
SQLITE_SEARCH_IDS_DDL = (
    f"CREATE TABLE {SQLITE_SEARCH_IDS} (entry_id CHAR(32) NOT NULL PRIMARY KEY, "
    "search_rowid INTEGER NOT NULL) WITHOUT ROWID",
    "DROP TRIGGER IF EXISTS audit_entries_search",
    "DROP TRIGGER IF EXISTS audit_entries_search_final",
    SQLITE_SEARCH_INSERT_TRIGGER_DDL,
    "CREATE TRIGGER audit_entries_search_final AFTER UPDATE OF seq ON audit_entries "
    "WHEN old.seq IS NULL AND new.seq IS NOT NULL BEGIN "
    f"{_INDEX_NEW}{_MAP_NEW}END",
    f"INSERT INTO {SQLITE_SEARCH_IDS} SELECT entry_id, rowid FROM audit_search",  # noqa: S608 - our names
)
"""Migration a006 on SQLite: the map, the search triggers keeping it, and the rows indexed
before it."""

SQLITE_SEARCH_ADDED = (
    f"INSERT INTO audit_search (text, entry_id) SELECT {search_text_sql()}, id "  # noqa: S608 - our column names
    "FROM audit_entries WHERE rowid >= ? AND seq IS NOT NULL ORDER BY rowid",
    f"INSERT INTO {SQLITE_SEARCH_IDS} SELECT entry_id, rowid FROM audit_search WHERE rowid > ?",  # noqa: S608 - our names
)
"""SQLite from migration a007: the final entries a batch added (rowid from the first one's on,
in one transaction holding the file's write lock), indexed and mapped by one statement each
after the batch's `INSERT`s (`store/bulk.py`), where a trigger indexed each row as it was
inserted, one FTS5 write per statement (docs/performance.md, "Search text indexed a batch at
a time"). The second statement's parameter is the index's last rowid before the first ran.
Entries that become final later (completed or sealed) are still indexed by
`audit_entries_search_final`."""


# -- the activity chart's rollup (see `store/rollup.py`) -------------------------------------------

activity = Table(
    "audit_activity",
    metadata,
    Column("tenant_id", Uuid(), nullable=False),
    Column("slot", BigInteger(), nullable=False),
    Column("action", String(16), nullable=False),
    Column("category", String(16), nullable=False),
    Column("actor_type", String(16), nullable=False),
    Column("count", BigInteger(), nullable=False),
    PrimaryKeyConstraint(
        "tenant_id",
        "slot",
        "action",
        "category",
        "actor_type",
        name="pk_audit_activity",
        # The count rides in the key on PostgreSQL, so a month is read by an index-only
        # scan; on SQLite the table is its key (`WITHOUT ROWID`).
        postgresql_include=["count"],
    ),
    sqlite_with_rowid=False,
)
"""How many final entries (those in the log) each tenant has per hour of UTC (`slot`: its
start in seconds since the Unix epoch, an integer to compare and divide cheaply), action,
activity category and kind of actor: counted in the writer's transaction as entries take
their place in the log, so the activity chart reads a month as a few thousand rows (in key
order: on SQLite the table is its primary key, `WITHOUT ROWID`)."""
