"""Inserting a batch of entries by each driver's fastest idempotent path: `executemany` of
pre-encoded rows on SQLite; on PostgreSQL `COPY` into a staging table, then one `INSERT … SELECT`.

Rows bypass SQLAlchemy's bind processing, so they are encoded here exactly as the columns' types
bind them (a test compares the stored rows): on SQLite UUIDs as 32 hex digits and instants as
naive UTC text; everywhere bodies as their canonical JSON text (keys sorted, so an export
splices them unparsed: `store/verify_rows.py`), and an absent body as JSON `null`, as
SQLAlchemy's `JSON` stores `None`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Protocol

from sqlalchemy import Connection

from asgi_audit.events import ENTRY, AuditEvent
from asgi_audit.record import Kind, Record
from asgi_audit.store.verify_rows import canonical_document

Row = tuple[Any, ...]
"""One entry's values in `COLUMNS` order, ready for the driver."""

COLUMNS = ENTRY.columns
_NAMES = ", ".join(COLUMNS)

STAGING = "audit_entries_staging"
"""PostgreSQL: a temporary table per connection, emptied by every commit."""

# Statements are built once from the schema's own identifiers, never from input.
_INTO = f"INSERT INTO audit_entries ({_NAMES})"
_MARKS = ", ".join("?" * len(COLUMNS))
_SQLITE_INSERT = f"{_INTO} VALUES ({_MARKS}) ON CONFLICT DO NOTHING"
# Created in the batch's own transaction every time (a no-op once it exists), so nothing needs
# remembering per connection and a rolled-back creation cannot leave a connection without it.
_STAGE = f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (LIKE audit_entries) ON COMMIT DELETE ROWS"
_COPY = f"COPY {STAGING} ({_NAMES}) FROM STDIN"
_MOVE = f"{_INTO} SELECT {_NAMES} FROM {STAGING} ON CONFLICT DO NOTHING"  # noqa: S608


Placed = Sequence[tuple[AuditEvent, int | None]]
"""Entries to insert, each with its place in the log (None while pending)."""


def insert_sqlite(conn: Connection, placed: Placed) -> int:
    """Add the entries in the transaction of `conn`, ignoring ids already stored; returns how
    many were added."""
    return conn.exec_driver_sql(_SQLITE_INSERT, [sqlite_row(e, s) for e, s in placed]).rowcount


def insert_postgres(conn: Connection, placed: Placed) -> int:
    """Add `events` in the transaction of `conn` (whose partitions exist), ignoring ids already
    stored; returns how many were added. COPY cannot skip conflicts, hence the staging table;
    it is empty again at commit, and on rollback its rows go with the transaction."""
    conn.exec_driver_sql(_STAGE)
    driver = conn.connection.driver_connection
    assert driver is not None
    # Encoding as the rows stream lets the server parse one buffer while the next is encoded;
    # a bad entry aborts the COPY, and with it the transaction.
    with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
        for e, seq in placed:
            copy.write_row(postgres_row(e, seq))
    return conn.exec_driver_sql(_MOVE).rowcount


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return value


def _sqlite_instant(value: datetime) -> str:
    return _aware(value).astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _document(body: Any) -> str:
    return "null" if body is None else canonical_document(body.to_dict()).decode()


def _enum_value(member: Enum) -> Any:
    return member.value


def _unless_null(step: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else step(value)


Encoders = dict[Kind, Callable[[Any], Any]]

SQLITE: Encoders = {Kind.UUID: lambda u: u.hex, Kind.INSTANT: _sqlite_instant}
"""As SQLAlchemy binds them on SQLite: `Uuid` as hex, `UTCDateTime` as naive UTC text."""
POSTGRES: Encoders = {Kind.INSTANT: _aware}
"""psycopg's COPY writes UUIDs and aware instants as PostgreSQL reads them."""


class RowEncoder(Protocol):
    def __call__(self, obj: Any, seq: int | None = None) -> Row: ...


def row_encoder(record: Record[Any], encoders: Encoders) -> RowEncoder:
    """A function from an object of `record` (and its `seq`, if it has that field and it was
    just given one) to its row: each field's value read in one C call, then the few that need
    it encoded for the driver (enums as their values; bodies as orjson text, an absent one as
    JSON `null`, as SQLAlchemy's `JSON` stores `None`)."""
    steps: list[tuple[int, Callable[[Any], Any]]] = []
    for index, f in enumerate(record.fields):
        if f.kind is Kind.DOCUMENT:
            steps.append((index, _document))
        elif f.enum is not None:
            steps.append((index, _unless_null(_enum_value)))
        elif f.kind in encoders:
            steps.append((index, _unless_null(encoders[f.kind])))
    values = record.values
    seq_at = record.columns.index("seq") if "seq" in record.columns else None

    def encode(obj: Any, seq: int | None = None) -> Row:
        row = list(values(obj))
        for index, step in steps:
            row[index] = step(row[index])
        if seq is not None and seq_at is not None:
            row[seq_at] = seq
        return tuple(row)

    return encode


sqlite_row = row_encoder(ENTRY, SQLITE)
postgres_row = row_encoder(ENTRY, POSTGRES)

# A pending entry's outcome and its place in the log, on SQLite: pre-encoded rows again (the
# compiled statements' per-row bind processing was most of a small batch's cost).
_AT = {name: index for index, name in enumerate(COLUMNS)}
_PENDING_KEY = " AND ".join(f"{key} = ?" for key in ENTRY.key) + " AND seq IS NULL"
_COMPLETING = [f.column for f in ENTRY.completing]
_SQLITE_COMPLETE = (
    f"UPDATE audit_entries SET {', '.join(f'{c} = ?' for c in _COMPLETING)} "  # noqa: S608
    f"WHERE {_PENDING_KEY}"
)
_SQLITE_PLACE = f"UPDATE audit_entries SET seq = ? WHERE {_PENDING_KEY}"  # noqa: S608
_COMPLETE_AT = [_AT[name] for name in (*_COMPLETING, *ENTRY.key)]
_KEY_AT = [_AT[key] for key in ENTRY.key]


def complete_sqlite(conn: Connection, events: Sequence[AuditEvent]) -> None:
    """Store the outcomes of pending entries (an entry already in the log is left alone)."""
    rows = [sqlite_row(e) for e in events]
    conn.exec_driver_sql(_SQLITE_COMPLETE, [tuple(row[i] for i in _COMPLETE_AT) for row in rows])


def place_sqlite(conn: Connection, event: AuditEvent, seq: int) -> bool:
    """Give a pending entry its place in the log; False if it had one already."""
    row = sqlite_row(event)
    key = tuple(row[i] for i in _KEY_AT)
    return bool(conn.exec_driver_sql(_SQLITE_PLACE, (seq, *key)).rowcount == 1)
