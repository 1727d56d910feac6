"""The SQLite write gate: one writer at a time per file in a process, handed over in turn."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from asgi_audit.store.sql import make_audit_engine
from asgi_audit.store.sqlite_gate import WriteGate, gate_for, gated_sqlite_connect_args


@pytest.fixture
def path(tmp_path: Path) -> str:
    file = str(tmp_path / "gate.db")
    with sqlite3.connect(file) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (n INTEGER)")
    return file


def connect(path: str) -> sqlite3.Connection:
    """A gated connection that never waits in SQLite's busy handler: a write that finds the
    file locked fails at once, so only the gate can make it wait."""
    conn = sqlite3.connect(path, check_same_thread=False, **gated_sqlite_connect_args(path, 5.0))
    conn.execute("PRAGMA busy_timeout=0")
    return conn


@pytest.fixture
def pair(path: str) -> Iterator[tuple[sqlite3.Connection, sqlite3.Connection]]:
    first, second = connect(path), connect(path)
    yield first, second
    first.close()
    second.close()


def write_in_thread(conn: sqlite3.Connection) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            conn.execute("INSERT INTO t VALUES (2)")
            conn.commit()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    return thread, errors


def test_a_second_writer_waits_for_the_first_to_commit_instead_of_finding_the_file_locked(
    pair: tuple[sqlite3.Connection, sqlite3.Connection],
) -> None:
    first, second = pair
    first.execute("INSERT INTO t VALUES (1)")
    thread, errors = write_in_thread(second)
    thread.join(0.2)
    assert thread.is_alive(), "the second writer should wait while the first has a transaction"
    first.commit()
    thread.join(5)
    assert not thread.is_alive()
    assert errors == []
    assert first.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_without_the_gate_the_second_writer_finds_the_file_locked(path: str) -> None:
    """The control: the same two writers on plain connections (what the gate prevents)."""
    first, second = sqlite3.connect(path), sqlite3.connect(path, check_same_thread=False)
    second.execute("PRAGMA busy_timeout=0")
    first.execute("INSERT INTO t VALUES (1)")
    thread, errors = write_in_thread(second)
    thread.join(5)
    assert [str(e) for e in errors] == ["database is locked"]
    first.rollback()
    first.close()
    second.close()


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_the_gate_is_given_back_when_the_transaction_ends(
    pair: tuple[sqlite3.Connection, sqlite3.Connection], end: str
) -> None:
    first, second = pair
    first.execute("INSERT INTO t VALUES (1)")
    thread, errors = write_in_thread(second)
    getattr(first, end)()
    thread.join(5)
    assert not thread.is_alive()
    assert errors == []


def test_a_write_that_fails_before_beginning_gives_the_gate_back(
    pair: tuple[sqlite3.Connection, sqlite3.Connection],
) -> None:
    first, second = pair
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        first.execute("INSERT INTO missing VALUES (1)")
    thread, errors = write_in_thread(second)
    thread.join(5)
    assert not thread.is_alive()
    assert errors == []


def test_reads_do_not_take_the_gate(pair: tuple[sqlite3.Connection, sqlite3.Connection]) -> None:
    first, second = pair
    first.execute("INSERT INTO t VALUES (1)")
    done = threading.Event()

    def read() -> None:
        second.execute("SELECT count(*) FROM t").fetchone()
        done.set()

    threading.Thread(target=read).start()
    assert done.wait(5), "a read waited for a writer"
    first.rollback()


def test_a_thread_writing_through_a_second_connection_does_not_wait_for_itself(
    pair: tuple[sqlite3.Connection, sqlite3.Connection],
) -> None:
    """It meets SQLite's lock (here at once, busy timeout 0) as it would without the gate."""
    first, second = pair
    first.execute("INSERT INTO t VALUES (1)")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t VALUES (2)")
    assert time.monotonic() - started < 1
    first.rollback()


def test_waiters_take_the_gate_in_the_order_they_came() -> None:
    gate = WriteGate(timeout=5)
    assert gate.acquire()
    order: list[int] = []

    def wait_then_hold(n: int) -> None:
        assert gate.acquire()
        order.append(n)
        gate.release()

    threads = []
    for n in range(4):
        thread = threading.Thread(target=wait_then_hold, args=(n,))
        thread.start()
        threads.append(thread)
        while len(gate._waiters) < n + 1:  # each is queued before the next starts
            time.sleep(0.001)
    gate.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3]


def test_a_wait_that_times_out_goes_on_without_the_gate() -> None:
    gate = WriteGate(timeout=0.05)
    assert gate.acquire()
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(gate.acquire()))
    thread.start()
    thread.join(5)
    assert result == [False]
    gate.release()
    assert gate.acquire(), "a timed-out waiter must not keep a place in the queue"


def test_engines_on_one_file_share_its_gate(path: str) -> None:
    engines = [make_audit_engine(f"sqlite:///{path}") for _ in range(2)]
    try:
        gates = []
        for engine in engines:
            raw = engine.raw_connection()
            gates.append(getattr(raw.dbapi_connection, "gate", None))
            raw.close()
        assert gates[0] is gates[1] is gate_for(path, 10)
    finally:
        for engine in engines:
            engine.dispose()


def test_an_in_memory_database_is_not_gated() -> None:
    assert gated_sqlite_connect_args(":memory:", 1) == {}
    assert gated_sqlite_connect_args(None, 1) == {}
