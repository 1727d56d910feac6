"""A pooled PostgreSQL connection is checked before use only when it has been idle a while.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` at every checkout: a network round trip per
request, to catch connections a database restart has closed. A connection that answered a
moment ago is almost always still open, so `ping_when_idle` pings only one idle longer than
`idle_s` (a restart takes longer than that, so every connection it closed has been idle that
long by the time the database answers again), and hands the pool the most recently used
connection first so the busy ones stay warm. A connection found closed is replaced before the
caller gets it. One that closes while in use (the database went away mid-request) fails that
statement as before; SQLAlchemy then discards every connection of the pool opened before it.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

IDLE_S = 1.0
"""A connection idle longer than this is pinged before use."""

_LAST_USE = "asgi_audit.last_use"


def ping_when_idle(engine: Engine, idle_s: float = IDLE_S) -> Engine:
    """Ping `engine`'s connections at checkout only after `idle_s` unused; returns it."""

    @event.listens_for(engine, "checkout")
    def _checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        last = record.info.get(_LAST_USE)
        if last is not None and time.monotonic() - last <= idle_s:
            return
        try:
            _ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool replaces the connection and retries
            raise DisconnectionError(f"an idle connection no longer answers: {exc}") from exc

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _used(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_LAST_USE] = time.monotonic()

    return engine


def _ping(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    finally:
        cursor.close()
    dbapi_connection.rollback()
