"""One writer at a time per SQLite file within a process, handed over by a lock instead of
SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the file locked sleeps in
SQLite's busy handler for 1, 2, 5, 10 … 100 ms and tries again, so under concurrent writes
(the application's transactions and the audit writer's, whose commits each wait for an `fsync`)
most of a write's time is spent asleep after the lock was already free. Every connection a
process opens through `gated_sqlite_connect_args` takes the file's `WriteGate` before its first
write and gives it back when the transaction ends, so the next writer in the process starts the
moment the previous one commits. Other processes still meet SQLite's own lock and busy handler.

pysqlite opens a transaction (`BEGIN`) only before an INSERT, UPDATE, DELETE or REPLACE, and
reads outside a transaction run on their own; so the gate is taken exactly where SQLite's write
lock will be held until `commit()` or `rollback()`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque
from typing import Any

_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
"""The statements before which pysqlite begins a transaction (its legacy transaction control)."""


class WriteGate:
    """The right to write a SQLite file, within this process, handed to waiters in turn.

    First come, first served: a released gate passes straight to the longest waiter, so the
    audit writer's thread is not overtaken again and again by the request threads (a plain
    lock lets whichever thread runs first take it). It may be released by another thread than
    the one that took it (a transaction can end elsewhere), and it remembers its holder's
    thread: a thread that holds it through one connection and writes through another passes
    straight on and meets SQLite's busy handler, as it would without the gate, instead of
    waiting for itself.
    """

    __slots__ = ("_held", "_mutex", "_owner", "_waiters", "timeout")

    def __init__(self, timeout: float) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._owner: int | None = None
        self._waiters: deque[threading.Lock] = deque()
        self.timeout = timeout
        """How long to wait before going on without the gate (SQLite's own busy timeout)."""

    def acquire(self) -> bool:
        """Take the gate; False (not taken) if this thread holds it already or the wait timed
        out, in which case the caller proceeds and SQLite decides."""
        me = threading.get_ident()
        if self._owner == me:
            return False
        with self._mutex:
            if not self._held:
                self._held = True
                self._owner = me
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if not turn.acquire(timeout=self.timeout):
            with self._mutex:
                if turn in self._waiters:
                    self._waiters.remove(turn)
                    return False
            # Handed over just as the wait ended: ours after all.
        self._owner = me
        return True

    def release(self) -> None:
        with self._mutex:
            self._owner = None
            if self._waiters:
                self._waiters.popleft().release()  # handed over: it stays held
            else:
                self._held = False


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def gate_for(path: str, timeout: float) -> WriteGate:
    """The process's gate of the SQLite file at `path` (one per file, however it is named)."""
    key = os.path.realpath(path)
    with _gates_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = WriteGate(timeout)
        return gate


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().rstrip(" \t\r\n(") in _WRITES


class GatedConnection(sqlite3.Connection):
    """A pysqlite connection that holds its file's `WriteGate` while it has a transaction."""

    gate: WriteGate | None = None
    holding = False

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or GatedCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.settle()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.settle()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.holding:
                self._give_back()

    def enter(self, sql: str) -> bool:
        """Take the gate if `sql` is about to begin a write transaction; whether it was taken."""
        gate = self.gate
        if gate is None or self.holding or self.in_transaction or not _is_write(sql):
            return False
        if not gate.acquire():
            return False
        self.holding = True
        return True

    def settle(self) -> None:
        """Give the gate back once no transaction is open (committed, rolled back, or never
        begun because the statement failed first)."""
        if self.holding and not self.in_transaction:
            self._give_back()

    def _give_back(self) -> None:
        self.holding = False
        assert self.gate is not None
        self.gate.release()


class GatedCursor(sqlite3.Cursor):
    """Takes its connection's gate before a statement that begins a write transaction."""

    connection: GatedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> GatedCursor:
        conn = self.connection
        conn.enter(sql)
        try:
            super().execute(sql, parameters)
        finally:
            conn.settle()
        return self

    def executemany(self, sql: str, parameters: Any, /) -> GatedCursor:
        conn = self.connection
        conn.enter(sql)
        try:
            super().executemany(sql, parameters)
        finally:
            conn.settle()
        return self


def gated_sqlite_connect_args(path: str | None, busy_timeout_s: float) -> dict[str, Any]:
    """`connect_args` for SQLAlchemy's pysqlite dialect that gate writes to the file at `path`
    (none for an in-memory database, which one connection serves)."""
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return {}
    gate = gate_for(path, busy_timeout_s)
    factory = type("GatedConnection", (GatedConnection,), {"gate": gate})
    return {"factory": factory}
