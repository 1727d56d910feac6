"""Inserting a batch of entries by each driver's fastest idempotent path: `executemany` of
pre-encoded rows on SQLite; on PostgreSQL `COPY` into a staging table, then one `INSERT … SELECT`.

Rows bypass SQLAlchemy's bind processing, so they are encoded here exactly as the columns' types
bind them (a test compares the stored rows): on SQLite UUIDs as 32 hex digits and instants as
naive UTC text; everywhere bodies as orjson text, and an absent body as JSON `null`, as
SQLAlchemy's `JSON` stores `None`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from callmanager.audit.events import AuditEvent, Body
from callmanager.audit.store.tables import entries

Row = tuple[Any, ...]
"""One entry's values in `COLUMNS` order, ready for the driver."""

COLUMNS = tuple(str(column.name) for column in entries.c)
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


def insert_sqlite(conn: Connection, events: Sequence[AuditEvent]) -> None:
    """Add `events` in the transaction of `conn`, ignoring ids already stored."""
    conn.exec_driver_sql(_SQLITE_INSERT, [sqlite_row(e) for e in events])


def insert_postgres(conn: Connection, events: Sequence[AuditEvent]) -> None:
    """Add `events` in the transaction of `conn` (whose partitions exist), ignoring ids already
    stored. COPY cannot skip conflicts, hence the staging table; it is empty again at commit,
    and on rollback its rows go with the transaction."""
    conn.exec_driver_sql(_STAGE)
    driver = conn.connection.driver_connection
    assert driver is not None
    # Encoding as the rows stream lets the server parse one buffer while the next is encoded;
    # a bad entry aborts the COPY, and with it the transaction.
    with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
        for e in events:
            copy.write_row(postgres_row(e))
    conn.exec_driver_sql(_MOVE)


def sqlite_row(e: AuditEvent) -> Row:
    """As SQLAlchemy binds it on SQLite: `Uuid` as hex, `UTCDateTime` as naive UTC text."""
    instant = _aware(e.occurred_at).astimezone(UTC).replace(tzinfo=None)
    return (e.tenant_id.hex, instant.isoformat(" ", "microseconds"), e.id.hex, *_rest(e))


def postgres_row(e: AuditEvent) -> Row:
    """For COPY's text format: psycopg writes UUIDs and aware instants as PostgreSQL reads them."""
    return (e.tenant_id, _aware(e.occurred_at), e.id, *_rest(e))


def _rest(e: AuditEvent) -> Row:
    """Every column after the key (`tenant_id`, `occurred_at`, `id`), the same on both."""
    actor = e.actor
    return (
        e.duration_ms,
        actor.type.value,
        actor.id,
        actor.email.lower() if actor.email else None,
        actor.name,
        e.source,
        e.action.value,
        e.method,
        e.path,
        e.route,
        e.resource.type,
        e.resource.id,
        e.status,
        e.outcome.value,
        e.summary,
        _document(e.request),
        _document(e.response),
        e.client_ip,
        e.user_agent,
    )


def _document(body: Body | None) -> str:
    return orjson.dumps(None if body is None else body.to_dict()).decode()


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return value
