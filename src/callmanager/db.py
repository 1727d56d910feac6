"""Engines, the declarative base of the domain tables, and the unit of work of a transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import orjson
import uuid6
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from asgi_audit.store.liveness import ping_when_idle
from asgi_audit.store.sqlite_turns import SQLITE_BUSY_TIMEOUT_S, connect_args
from asgi_audit.store.tables import UTCDateTime as UTCDateTime  # the domain tables' timestamps too

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every Call Manager domain table."""

    metadata = MetaData(naming_convention=NAMING)


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7, so ids sort by creation and index well."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


POOL_SIZE = 10


def make_engine(url: str, *, pool_size: int = POOL_SIZE, **kwargs: Any) -> Engine:
    """An engine with the settings both supported databases need; its pool keeps `pool_size`
    connections (a server sizes it to its worker threads) and opens up to twice as many more
    for bursts."""
    pool = {"pool_size": pool_size, "max_overflow": 2 * pool_size}
    # JSON columns (a group's members, a call flow's steps) read by orjson: the standard
    # library's decoder was a tenth of a list's work in its worker thread on PostgreSQL.
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite+pysqlite://"):
            pool = {}  # one shared in-memory connection: SQLAlchemy's own pool for it
        # Its writers and the audit store's, should they share the file, take turns.
        engine = create_engine(url, connect_args=connect_args(), **pool, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Connections are pinged only after a second idle (not a round trip per request), and the
    # most recently used is handed out first.
    return ping_when_idle(create_engine(url, pool_use_lifo=True, **pool, **kwargs))


SessionFactory = Callable[[], Session]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for quick reads. On PostgreSQL their statements run in autocommit: at READ
    COMMITTED each statement of a transaction takes a snapshot of its own anyway, so a read
    sees the same rows, without the `BEGIN` and `COMMIT` round trips (two of a list's three,
    each a wait in a worker thread and a hand-off of the interpreter's lock). SQLite's driver
    begins no transaction for a read in any case."""
    if engine.dialect.name != "postgresql":
        return make_session_factory(engine)
    return make_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


class UnitOfWork:
    """One transaction: rolls back on leaving unless `commit()` was called."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def complete(self) -> None:
        """Commit and give the connection back to the pool (in the thread that did the work)."""
        self.session.commit()
        self.session.close()

    def rollback(self) -> None:
        self.session.rollback()
        self.session.close()
