"""Inserting a batch of entries by each driver's fastest path: pre-encoded rows in multi-row
`INSERT`s on SQLite (`ON CONFLICT DO NOTHING`), one `COPY` on PostgreSQL (an entry stored
before aborts it: `AlreadyStored`, and the store writes the batch again without the stored
ones).

Rows bypass SQLAlchemy's bind processing, so they are encoded here exactly as the columns' types
bind them (a test compares the stored rows): on SQLite UUIDs as 32 hex digits and instants as
naive UTC text; everywhere bodies as their canonical JSON text (keys sorted, so an export
splices them unparsed: `store/verify_rows.py`), and an absent body as JSON `null`, as
SQLAlchemy's `JSON` stores `None`.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from functools import lru_cache
from itertools import islice
from operator import attrgetter
from typing import Any, Protocol, TypeVar

import orjson
from sqlalchemy import Connection

from asgi_audit.events import ENTRY, AuditEvent
from asgi_audit.record import Field, Kind, Record, enum_value
from asgi_audit.store.tables import SQLITE_SEARCH_ADDED
from asgi_audit.store.verify_rows import canonical_document

_T = TypeVar("_T")
Row = tuple[Any, ...]
"""One entry's values in `COLUMNS` order, ready for the driver."""

COLUMNS = ENTRY.columns
_NAMES = ", ".join(COLUMNS)

# Statements are built once from the schema's own identifiers, never from input.
_INTO = f"INSERT INTO audit_entries ({_NAMES})"
_MARKS = "(" + ", ".join("?" * len(COLUMNS)) + ")"
SQLITE_ROWS_PER_INSERT = 100
"""Rows per SQLite `INSERT`, at most: fewer where the connection takes fewer parameters than
100 rows' values (SQLite before 3.32 takes 999: 39 rows). The rows' text is indexed for
search after the last `INSERT` (`index_added`), one FTS5 segment a batch: a trigger indexing
each row in its statement's savepoint wrote a segment per statement."""
_COPY = f"COPY audit_entries ({_NAMES}) FROM STDIN"
UNIQUE_VIOLATION = "23505"
"""PostgreSQL's SQLSTATE for a duplicate key: here, an entry's primary key."""


class AlreadyStored(Exception):
    """A batch held entries stored before (a retry of a batch that was committed after all,
    its answer lost): its transaction must be rolled back and the batch written without them."""


def insert_sqlite(
    conn: Connection, rows: Iterable[Row], *, ahead: ThreadPoolExecutor | None = None
) -> int:
    """Add the entries' rows in the transaction of `conn`, ignoring ids already stored, up to
    `SQLITE_ROWS_PER_INSERT` rows a statement, then index the final ones added for free-text
    search (`index_added`); returns how many were added.

    With `ahead` (a one-thread pool), each statement's rows are taken from `rows` in that
    thread while the statement before runs: SQLite inserts without the interpreter's lock, so
    the Python that makes the rows (encoding, hashing: see `SqlAuditStore.write`) and SQLite's
    work overlap on two cores, as the server and the client do on PostgreSQL."""
    per_statement = _sqlite_rows_per_statement(_sqlite_driver(conn), len(COLUMNS))
    statements = _Statements(iter(rows), per_statement)
    added = _Added()
    if ahead is None:
        for values in iter(statements.next, ()):
            added.count(_insert(conn, values))
    else:
        upcoming = ahead.submit(statements.next)
        try:
            while values := upcoming.result():
                upcoming = ahead.submit(statements.next)
                added.count(_insert(conn, values))
        finally:
            wait([upcoming])  # `rows` is never read by two threads at once, nor after return
    if added.first is not None:
        index_added(conn.exec_driver_sql, added.first)
    return added.rows


class _Added:
    """The rows a batch's `INSERT`s added: how many, and the rowid of the first."""

    def __init__(self) -> None:
        self.rows = 0
        self.first: int | None = None

    def count(self, inserted: Any) -> None:
        """Count one statement's result. Its added rows hold consecutive rowids up to its
        `lastrowid` (each new row takes the table's largest rowid plus one; the transaction
        holds the file's write lock, so no other connection inserts in between)."""
        added: int = inserted.rowcount
        if added and self.first is None:
            self.first = inserted.lastrowid - added + 1
        self.rows += added


def index_added(execute: Callable[[str, tuple[Any, ...]], Any], first: int) -> None:
    """Index for free-text search the final entries inserted from rowid `first` on, in the
    transaction that inserted them (`tables.SQLITE_SEARCH_ADDED`): one statement for the
    FTS5 table, one mapping each entry to its row of it. `execute` is a driver's or a
    connection's (`exec_driver_sql`)."""
    indexed = execute(SQLITE_SEARCH_ADDED[0], (first,))
    if indexed.rowcount > 0:
        execute(SQLITE_SEARCH_ADDED[1], (indexed.lastrowid - indexed.rowcount,))


class _Statements:
    """Takes the values of each `INSERT` from `rows`, `size` rows at a time."""

    def __init__(self, rows: Iterator[Row], size: int) -> None:
        self.rows = rows
        self.size = size

    def next(self) -> tuple[Any, ...]:
        """The next statement's values, one row after another (empty once `rows` is)."""
        return tuple(value for row in islice(self.rows, self.size) for value in row)


def _insert(conn: Connection, values: tuple[Any, ...]) -> Any:
    return conn.exec_driver_sql(_sqlite_insert(len(values) // len(COLUMNS)), values)


@lru_cache(maxsize=SQLITE_ROWS_PER_INSERT)
def _sqlite_insert(rows: int) -> str:
    """The `INSERT` of `rows` entries (its row count: the rows it added, not those skipped)."""
    return f"{_INTO} VALUES {', '.join([_MARKS] * rows)} ON CONFLICT DO NOTHING"


def insert_postgres(conn: Connection, rows: Iterable[Row]) -> int:
    """Add the entries' rows in the transaction of `conn` (whose partitions exist) by one
    `COPY` into the table itself; returns how many were added. COPY cannot skip conflicts: an
    entry stored before raises `AlreadyStored` (the transaction is then aborted). Straight into
    the table, the server inserts and indexes each buffer of rows while the next is encoded
    (`rows` may encode them as they are asked for, and hash their entries: see
    `SqlAuditStore.write`), where a staging table would leave all the indexing to a second
    statement, after the last row."""
    driver = conn.connection.driver_connection
    assert driver is not None
    # Encoding as the rows stream lets the server parse one buffer while the next is encoded;
    # a bad entry aborts the COPY, and with it the transaction.
    try:
        with driver.cursor() as cursor:
            with cursor.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(row)
            return int(cursor.rowcount)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) == UNIQUE_VIOLATION:
            raise AlreadyStored(str(exc)) from exc
        raise


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return value


def _sqlite_instant(value: datetime) -> str:
    return _aware(value).astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _document(body: Any) -> str:
    return "null" if body is None else canonical_document(body.to_dict()).decode()


def _unless_null(step: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else step(value)


Encoders = dict[Kind, Callable[[Any], Any]]

SQLITE: Encoders = {Kind.UUID: lambda u: u.hex, Kind.INSTANT: _sqlite_instant}
"""As SQLAlchemy binds them on SQLite: `Uuid` as hex, `UTCDateTime` as naive UTC text."""
POSTGRES: Encoders = {Kind.INSTANT: _aware}
"""psycopg's COPY writes UUIDs and aware instants as PostgreSQL reads them."""


class RowEncoder(Protocol):
    def __call__(self, obj: Any, seq: int | None = None) -> Row: ...


def row_encoder(
    record: Record[Any], encoders: Encoders, fields: Sequence[Field] | None = None
) -> RowEncoder:
    """A function from an object of `record` (and its `seq`, if it has that field and it was
    just given one) to its row: each field's value read in one C call, then the few that need
    it encoded for the driver (enums as their values; bodies as orjson text, an absent one as
    JSON `null`, as SQLAlchemy's `JSON` stores `None`).

    `fields`: only these, in this order (an outcome's `UPDATE` binds the completing fields and
    the key: encoding the whole row would write the request's body out again for nothing)."""
    chosen = record.fields if fields is None else tuple(fields)
    steps = _steps(chosen, encoders)
    values = record.values if fields is None else _reader(chosen)
    columns = [f.column for f in chosen]
    seq_at = columns.index("seq") if "seq" in columns else None

    def encode(obj: Any, seq: int | None = None) -> Row:
        row = list(values(obj))
        for index, step in steps:
            row[index] = step(row[index])
        if seq is not None and seq_at is not None:
            row[seq_at] = seq
        return tuple(row)

    return encode


class PlacedEncoder(Protocol):
    def __call__(self, obj: Any, seq: int) -> tuple[Row, bytes]: ...


def placed_encoder(record: Record[Any], encoders: Encoders) -> PlacedEncoder:
    """A function from an object of `record` and its place `seq` in its log to its row (as
    `row_encoder` writes it) and its canonical bytes (its leaf's), each document's JSON written
    once: the row's text of it is spliced into the leaf bytes (`orjson.Fragment`), as the
    store's readers splice it back (`store/verify_rows.py`)."""
    documents = [i for i, f in enumerate(record.fields) if f.kind is Kind.DOCUMENT]
    steps = [(i, step) for i, step in _steps(record.fields, encoders) if i not in documents]
    seq_at = record.columns.index("seq")
    values, json_of, dumps = record.values, record.json_of_values(orjson.Fragment), orjson.dumps

    def encode(obj: Any, seq: int) -> tuple[Row, bytes]:
        row = list(values(obj))
        row[seq_at] = seq
        for index in documents:
            body = row[index]
            row[index] = None if body is None else canonical_document(body.to_dict()).decode()
        leaf = dumps(json_of(row), option=orjson.OPT_SORT_KEYS)
        for index in documents:
            if row[index] is None:
                row[index] = "null"
        for index, step in steps:
            row[index] = step(row[index])
        return tuple(row), leaf

    return encode


def _steps(fields: Sequence[Field], encoders: Encoders) -> list[tuple[int, Callable[[Any], Any]]]:
    """Each field that the driver takes encoded, by its index, with its encoding."""
    steps: list[tuple[int, Callable[[Any], Any]]] = []
    for index, f in enumerate(fields):
        if f.kind is Kind.DOCUMENT:
            steps.append((index, _document))
        elif f.enum is not None:
            steps.append((index, _unless_null(enum_value(f))))
        elif f.kind in encoders:
            steps.append((index, _unless_null(encoders[f.kind])))
    return steps


def _reader(fields: Sequence[Field]) -> Callable[[Any], tuple[Any, ...]]:
    """Each field's value of an object, in order, in one C call (`Record.values` for a few)."""
    getter = attrgetter(*(f.path for f in fields))
    if len(fields) == 1:
        return lambda obj: (getter(obj),)
    return getter


sqlite_row = row_encoder(ENTRY, SQLITE)
postgres_row = row_encoder(ENTRY, POSTGRES)
sqlite_placed = placed_encoder(ENTRY, SQLITE)
postgres_placed = placed_encoder(ENTRY, POSTGRES)

# A pending entry's outcome and its place in the log, on SQLite: pre-encoded rows again (the
# compiled statements' per-row bind processing was most of a small batch's cost).
_PENDING_KEY = " AND ".join(f"{key} = ?" for key in ENTRY.key) + " AND seq IS NULL"
_COMPLETING = [f.column for f in ENTRY.completing]
_SQLITE_COMPLETE = (
    f"UPDATE audit_entries SET {', '.join(f'{c} = ?' for c in _COMPLETING)} "  # noqa: S608
    f"WHERE {_PENDING_KEY}"
)
_KEY_FIELDS = tuple(ENTRY.get(key) for key in ENTRY.key)
_KEY_NAMES = ", ".join(ENTRY.key)
_sqlite_completion = row_encoder(ENTRY, SQLITE, (*ENTRY.completing, *_KEY_FIELDS))
_sqlite_key = row_encoder(ENTRY, SQLITE, _KEY_FIELDS)


def complete_sqlite(conn: Connection, events: Sequence[AuditEvent]) -> None:
    """Store the outcomes of pending entries (an entry already in the log is left alone)."""
    conn.exec_driver_sql(_SQLITE_COMPLETE, [_sqlite_completion(e) for e in events])


# A batch's places are set in one statement: SQLite's search trigger then indexes the entries
# that became final in one FTS5 segment (a statement a row wrote one each, ~100 us of CPU a row).
_SQLITE_STILL_PENDING = (
    f"SELECT id FROM audit_entries WHERE seq IS NULL AND ({_KEY_NAMES}) IN (VALUES {{rows}})"  # noqa: S608
)
_SQLITE_PLACE = (
    f"UPDATE audit_entries SET seq = v.column{len(ENTRY.key) + 1} FROM (VALUES {{rows}}) AS v "  # noqa: S608
    "WHERE "
    + " AND ".join(f"audit_entries.{key} = v.column{n}" for n, key in enumerate(ENTRY.key, 1))
    + " AND audit_entries.seq IS NULL"
)


def still_pending_sqlite(conn: Connection, events: Sequence[AuditEvent]) -> set[uuid.UUID]:
    """The ids of those of `events` that have no place in the log yet."""
    driver = _sqlite_driver(conn)
    found: set[uuid.UUID] = set()
    for chunk in _chunks(events, _sqlite_rows_per_statement(driver, len(ENTRY.key))):
        keys = [value for e in chunk for value in _sqlite_key(e)]
        sql = _SQLITE_STILL_PENDING.format(rows=_marks(len(chunk), len(ENTRY.key)))
        found.update(uuid.UUID(hex=row[0]) for row in driver.execute(sql, keys))
    return found


def place_sqlite(conn: Connection, places: Sequence[tuple[AuditEvent, int]]) -> int:
    """Give each pending entry its place `seq`; returns how many took theirs (an entry that
    had one already keeps it)."""
    driver = _sqlite_driver(conn)
    width = len(ENTRY.key) + 1
    taken = 0
    for chunk in _chunks(places, _sqlite_rows_per_statement(driver, width)):
        values = [value for e, seq in chunk for value in (*_sqlite_key(e), seq)]
        taken += driver.execute(
            _SQLITE_PLACE.format(rows=_marks(len(chunk), width)), values
        ).rowcount
    return taken


def _sqlite_driver(conn: Connection) -> sqlite3.Connection:
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def _sqlite_rows_per_statement(driver: sqlite3.Connection, width: int) -> int:
    """Rows of `width` values a statement: `SQLITE_ROWS_PER_INSERT`, or fewer where the
    connection takes fewer parameters."""
    most = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
    return max(1, min(SQLITE_ROWS_PER_INSERT, most))


@lru_cache(maxsize=2 * SQLITE_ROWS_PER_INSERT)
def _marks(rows: int, width: int) -> str:
    row = "(" + ", ".join("?" * width) + ")"
    return ", ".join([row] * rows)


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
