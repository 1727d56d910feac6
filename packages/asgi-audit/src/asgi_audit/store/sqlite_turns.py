"""The writers of one SQLite file in this process take turns by a lock, not by SQLite's busy
handler.

SQLite lets one transaction at a time write a file. A writer that finds it locked sleeps in
SQLite's busy handler (1, 2, 5, 10, 15 … ms) and tries again, whether or not the file was freed
meanwhile. When the audit writer and a host's request handlers share a file, those sleeps were
most of an audited edit's wait at 8 connections (docs/performance.md, "Writers taking turns").
A connection made with `TurnTakingConnection` takes its file's process-wide lock when its
transaction first writes and gives it back when the transaction ends, so a waiting writer wakes
the moment the file is free. Other processes on the same file still meet SQLite's own lock.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SQLITE_BUSY_TIMEOUT_S = 10.0
"""How long a SQLite write waits for the file's lock (SQLite's busy handler), and for its turn."""

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
"""The statements with which pysqlite opens a transaction by itself."""

_turns: dict[str, threading.Lock] = {}
_turns_guard = threading.Lock()


def _turn_of(database: str) -> threading.Lock | None:
    """The lock of the file at `database`, shared by every connection to it in this process
    (None for an in-memory database, which no other connection sees)."""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    key = os.path.realpath(database)
    with _turns_guard:
        return _turns.setdefault(key, threading.Lock())


def _writes(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(WRITES)


class TurnTakingConnection(sqlite3.Connection):
    """A `sqlite3.Connection` whose write transactions hold their file's turn."""

    turn_wait_s = SQLITE_BUSY_TIMEOUT_S
    """How long a write waits for its turn; then it goes ahead and SQLite's lock decides (a
    turn held by a transaction that waits for this one must not hang both)."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._turn = _turn_of(os.fsdecode(database))
        self.holds_turn = False

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or TurnTakingCursor)

    # The connection's shortcuts make a plain cursor of their own: these make ours.
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str, /) -> Any:
        return self.cursor().executescript(sql_script)

    @contextmanager
    def statement(self, sql: str) -> Iterator[None]:
        """Around `sql`: wait for the file if it opens a write transaction; afterwards give
        the file back if no transaction remains open (a statement in autocommit mode, or a
        script, which commits what was open before it runs)."""
        turn = self._turn
        if turn is not None and not self.holds_turn and not self.in_transaction and _writes(sql):
            self.holds_turn = turn.acquire(timeout=self.turn_wait_s)
        try:
            yield
        finally:
            self.end_turn()

    def end_turn(self) -> None:
        """Give the file back if no transaction remains open."""
        if self.holds_turn and not self.in_transaction:
            self._give_back()

    def _give_back(self) -> None:
        assert self._turn is not None
        self.holds_turn = False
        self._turn.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.holds_turn:
                self._give_back()


class TurnTakingCursor(sqlite3.Cursor):
    """Statements run within their connection's turn."""

    connection: TurnTakingConnection

    def execute(self, sql: str, parameters: Any = (), /) -> TurnTakingCursor:
        with self.connection.statement(sql):
            super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> TurnTakingCursor:
        with self.connection.statement(sql):
            super().executemany(sql, seq_of_parameters)
        return self

    def executescript(self, sql_script: str, /) -> TurnTakingCursor:
        with self.connection.statement(""):
            super().executescript(sql_script)
        return self


def connect_args() -> dict[str, Any]:
    """`create_engine`'s `connect_args` for a SQLite file shared by threads, and perhaps by the
    audit store and its host."""
    return {"check_same_thread": False, "factory": TurnTakingConnection}
