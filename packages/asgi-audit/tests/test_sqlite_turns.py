"""SQLite writers of one process take turns at a file by a lock, not by SQLite's busy handler."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from asgi_audit.store.sql import make_audit_engine
from asgi_audit.store.sqlite_turns import TurnTakingConnection, connect_args


def _open(path: Path, **kwargs: object) -> sqlite3.Connection:
    """A connection that never waits in SQLite's busy handler: a write that found the file
    locked would fail at once with 'database is locked'."""
    return sqlite3.connect(
        path, timeout=0, factory=TurnTakingConnection, check_same_thread=False, **kwargs
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "turns.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (n INTEGER)")
    return path


def _insert_in_thread(path: Path, n: int) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def write() -> None:
        conn = _open(path)
        try:
            conn.execute("INSERT INTO t VALUES (?)", (n,))
            conn.commit()
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=write)
    thread.start()
    return thread, errors


def _finished(thread: threading.Thread, errors: list[BaseException]) -> None:
    """The thread's write went through at once: a turn never given back would hold it for
    `turn_wait_s` (10 s)."""
    thread.join(5)
    assert not thread.is_alive(), "the write still waits for its turn"
    assert errors == []


def test_a_second_writer_waits_for_the_first_to_commit_instead_of_finding_the_file_locked(
    db: Path,
) -> None:
    first = _open(db)
    first.execute("INSERT INTO t VALUES (1)")
    thread, errors = _insert_in_thread(db, 2)
    thread.join(0.3)
    assert thread.is_alive(), "the second writer went ahead while the first held the file"
    first.commit()
    _finished(thread, errors)
    assert sorted(n for (n,) in first.execute("SELECT n FROM t")) == [1, 2]


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_write_rolled_back_or_closed_gives_the_file_back(db: Path, end: str) -> None:
    first = _open(db)
    first.execute("INSERT INTO t VALUES (1)")
    getattr(first, end)()
    thread, errors = _insert_in_thread(db, 2)
    _finished(thread, errors)
    with sqlite3.connect(db) as conn:
        assert [n for (n,) in conn.execute("SELECT n FROM t")] == [2]


def test_a_statement_in_autocommit_mode_holds_the_file_only_while_it_runs(db: Path) -> None:
    first = _open(db, isolation_level=None)
    first.execute("INSERT INTO t VALUES (1)")
    thread, errors = _insert_in_thread(db, 2)
    _finished(thread, errors)


def test_a_read_waits_for_no_turn_while_a_write_holds_the_file(db: Path) -> None:
    first = _open(db)
    first.execute("INSERT INTO t VALUES (1)")
    counted: list[int] = []

    def read() -> None:
        counted.append(_open(db).execute("SELECT count(*) FROM t").fetchone()[0])

    reader = threading.Thread(target=read)
    reader.start()
    _finished(reader, [])
    assert counted == [0]  # the write is not committed yet
    first.rollback()


def test_a_failed_statement_keeps_the_turn_until_its_transaction_ends(db: Path) -> None:
    first = _open(db)
    first.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError):
        first.execute("INSERT INTO missing VALUES (1)")
    thread, errors = _insert_in_thread(db, 2)
    thread.join(0.3)
    assert thread.is_alive()
    first.rollback()
    _finished(thread, errors)


def test_a_writer_that_waited_too_long_meets_sqlites_own_lock(db: Path) -> None:
    first = _open(db)
    first.execute("INSERT INTO t VALUES (1)")
    late = sqlite3.connect(db, timeout=0, factory=TurnTakingConnection, check_same_thread=False)
    assert isinstance(late, TurnTakingConnection)
    late.turn_wait_s = 0.05
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        late.execute("INSERT INTO t VALUES (2)")
    first.commit()
    late.rollback()
    late.execute("INSERT INTO t VALUES (2)")
    late.commit()


def test_in_memory_databases_take_no_turns() -> None:
    one = sqlite3.connect(":memory:", factory=TurnTakingConnection)
    other = sqlite3.connect(":memory:", factory=TurnTakingConnection)
    for conn in (one, other):
        conn.execute("CREATE TABLE t (n INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    assert not one.holds_turn
    assert not other.holds_turn


def test_the_audit_engine_and_a_hosts_engine_on_one_file_take_turns(db: Path) -> None:
    url = f"sqlite:///{db}"
    audit = make_audit_engine(url)
    host = create_engine(url, connect_args=connect_args())
    with audit.connect() as a, host.connect() as h:
        for conn in (a, h):
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
            conn.commit()
        with a.begin():
            a.execute(text("INSERT INTO t VALUES (1)"))
            errors: list[BaseException] = []

            def write() -> None:
                try:
                    with h.begin():
                        h.execute(text("INSERT INTO t VALUES (2)"))
                except BaseException as exc:
                    errors.append(exc)

            thread = threading.Thread(target=write)
            thread.start()
            thread.join(0.3)
            assert thread.is_alive()
        thread.join(5)
        assert errors == []
    audit.dispose()
    host.dispose()
