"""Reading the principal epoch: the database's counter of changes that may take rights away.

A cached principal is used only if the epoch still reads as it did when the principal was
resolved, and the read must start after the request arrived, so a revocation committed by any
process is seen by the very next request everywhere. The read is made without a worker-thread
hop: on SQLite a point read of a one-row table in a local file takes microseconds, less than a
hop; on PostgreSQL an asynchronous psycopg connection waits for the server without blocking the
event loop, and requests that arrive while a read is in flight share the next one.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Protocol

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from callmanager.auth.models import PrincipalEpoch

EPOCH_SQL = "SELECT value FROM principal_epoch WHERE id = 1"
log = logging.getLogger(__name__)


def read_epoch(db: Session) -> int:
    """The epoch, read in `db`'s transaction (before the principal it will vouch for)."""
    return int(db.scalar(select(PrincipalEpoch.value).where(PrincipalEpoch.id == 1)) or 0)


class EpochReader(Protocol):
    """Reads the current epoch from the event loop, or None when it cannot (the caller then
    resolves the credential afresh)."""

    async def current(self) -> int | None: ...

    async def close(self) -> None: ...


class SqliteEpoch:
    """One connection of this process, used only from the event loop's thread, in autocommit
    mode so each read sees the latest commit."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None

    async def current(self) -> int | None:
        try:
            if self._conn is None:
                # A short busy timeout: never hold the loop; on trouble resolve in a thread.
                self._conn = sqlite3.connect(
                    self._path, timeout=0.05, isolation_level=None, check_same_thread=False
                )
            row = self._conn.execute(EPOCH_SQL).fetchone()
        except sqlite3.Error:
            log.warning("principal epoch unreadable; resolving credentials afresh", exc_info=True)
            await self.close()
            return None
        return int(row[0]) if row else None

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresEpoch:
    """One asynchronous connection; at most one read in flight, each request served by the
    first read that started after it arrived."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.AsyncConnection[tuple[int]] | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = 0
        """Reads started so far."""
        self._finished = 0
        """The number of the latest finished read (reads run one at a time, in order)."""
        self._value: int | None = None

    async def current(self) -> int | None:
        ticket = self._started  # any read numbered above this starts after this request arrived
        loop = asyncio.get_running_loop()
        if self._lock is None or loop is not self._loop:
            # A connection serves one event loop (tests may run the app on several in turn).
            self._loop, self._lock = loop, asyncio.Lock()
            self._drop()
        async with self._lock:
            if self._finished > ticket:
                return self._value
            self._started += 1
            number = self._started
            value = await self._read()
            self._finished, self._value = number, value
            return value

    async def _read(self) -> int | None:
        try:
            if self._conn is None:
                self._conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
            cursor = await self._conn.execute(EPOCH_SQL)
            row = await cursor.fetchone()
        except psycopg.Error:
            log.warning("principal epoch unreadable; resolving credentials afresh", exc_info=True)
            self._drop()
            return None
        return int(row[0]) if row else None

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.pgconn.finish()  # synchronous: the connection's loop may be gone

    async def close(self) -> None:
        self._drop()


class NoEpoch:
    """For a database no second connection can see (SQLite in memory): nothing is cached."""

    async def current(self) -> int | None:
        return None

    async def close(self) -> None:
        return None


def epoch_reader(database_url: str) -> EpochReader:
    """The reader that suits the database at `database_url`."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:") or "mode=memory" in str(url):
            return NoEpoch()
        return SqliteEpoch(url.database)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresEpoch(conninfo)
