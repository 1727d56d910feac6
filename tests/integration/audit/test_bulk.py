"""The store's batch insert on SQLite and PostgreSQL: rows stored exactly as SQLAlchemy binds
them, read back unchanged, idempotent, all or nothing, in the transaction of the completions."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import text

from asgi_audit import Actor, ActorType, AuditEvent, Body, Criteria, Outcome, SqlAuditStore
from asgi_audit.store.bulk import SQLITE_ROWS_PER_INSERT, insert_sqlite, sqlite_row
from asgi_audit.store.guards import drop_statements, guard_statements
from asgi_audit.store.sql import create_partition
from asgi_audit.store.tables import SQLITE_SEARCH_IDS, entries
from asgi_audit.testing import make_event

NOW = datetime.now(UTC).replace(microsecond=654321)


def _awkward_entries() -> list[AuditEvent]:
    """Entries that exercise every encoding: text a COPY must escape, missing values, bodies
    absent or nested, an instant given in another zone, a float that is not short in decimal."""
    tenant = uuid.uuid4()
    elsewhere = timezone(timedelta(hours=-5, minutes=-30))
    nobody = Actor(ActorType.SYSTEM, None, None, None)
    body = Body(
        "application/json",
        99,
        is_json=True,
        json={"tab": "a\tb", "nl": "x\ny", "bs": "c:\\d", "emoji": "👋", "n": [1, 2.5, None]},
    )
    return [
        make_event(tenant, occurred_at=NOW, request=body, response=body),
        make_event(tenant, occurred_at=NOW - timedelta(seconds=1), status=None, actor=nobody),
        make_event(
            tenant,
            occurred_at=(NOW - timedelta(minutes=1)).astimezone(elsewhere),
            summary="Edited \\N 'tab\there'\r\nnext line \x7f Grüße",
            path=f"/api/v1/tenants/{tenant}/groups?q=a%09b\\c",
            response=Body("text/plain", 5_000_000, truncated=True, sha256="ab" * 32),
        ),
        make_event(tenant, occurred_at=datetime(2000, 1, 1, tzinfo=UTC)),
    ]


def test_a_batch_reads_back_exactly_as_written(store: SqlAuditStore) -> None:
    batch = [*_awkward_entries(), *(make_event(occurred_at=NOW) for _ in range(50))]
    batch[3] = dataclasses.replace(batch[3], duration_ms=0.1 + 0.2)
    store.write(batch, [])
    places: dict[uuid.UUID, int] = {}
    for event in batch:
        # Complete entries take the next places of their tenants' logs, in the batch's order.
        if event.outcome is Outcome.UNKNOWN:
            assert store.get(event.tenant_id, event.id) == event
            continue
        seq = places[event.tenant_id] = places.get(event.tenant_id, -1) + 1
        assert store.get(event.tenant_id, event.id) == event.appended(seq)


def test_the_store_encodes_columns_as_sqlalchemy_core_binds_them(store: SqlAuditStore) -> None:
    """The fast path bypasses SQLAlchemy's bind processing, so it must store the same values:
    UUIDs, instants and JSON in the same form, and an absent body as JSON null, not SQL NULL."""
    batch = _awkward_entries()
    store.write(batch, [])
    fast = _stored(store)
    placed = [store.get(e.tenant_id, e.id) for e in batch]
    dialect = store.engine.dialect.name
    with store.engine.begin() as conn:
        for statement in drop_statements(dialect):  # the log is append-only otherwise
            conn.execute(text(statement))
        conn.execute(entries.delete())
        if dialect == "sqlite":  # the searched text's map is keyed by entry: it goes with them
            conn.execute(text(f"DELETE FROM {SQLITE_SEARCH_IDS}"))  # noqa: S608 - our name
        conn.execute(entries.insert(), [_core_row(e) for e in placed if e is not None])
        for statement in guard_statements(dialect):
            conn.execute(text(statement))
    assert _stored(store) == fast


def test_a_retried_batch_stores_only_its_new_entries(store: SqlAuditStore) -> None:
    first, second = make_event(occurred_at=NOW), make_event(occurred_at=NOW)
    store.write([first], [])
    store.write([first, second], [])
    store.write([second, first, second], [])
    assert _count(store) == 2
    assert store.get(second.tenant_id, second.id) == second.appended(0)


def test_a_tenant_s_first_batch_retried_after_a_conflict_starts_its_log_at_place_zero(
    store: SqlAuditStore,
) -> None:
    """The first attempt makes the tenant's head and then rolls back on the stored entry: the
    retry must make the head again, though this process saw it made (PostgreSQL makes a head
    only for tenants it has not seen)."""
    tenant = uuid.uuid4()
    pending = make_event(tenant, occurred_at=NOW, status=None)
    store.write([pending], [])
    final = make_event(tenant, occurred_at=NOW)
    store.write([pending, final], [])
    assert store.get(tenant, final.id) == final.appended(0)
    later = datetime.now(UTC) + timedelta(days=1)
    assert [h.size for h in store.heads_to_checkpoint(later) if h.tenant_id == tenant] == [1]


def test_a_large_batch_on_sqlite_is_inserted_many_rows_to_a_statement(
    store: SqlAuditStore,
) -> None:
    """One INSERT per row made FTS5 write its pending text at every row (the search trigger
    runs in each statement's savepoint): a batch goes in statements of many rows instead."""
    if store.is_postgres:
        pytest.skip("PostgreSQL's batch is one COPY")
    executions = []

    def count(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        if statement.startswith("INSERT INTO audit_entries"):
            executions.append(len(params) if many else 1)

    tenant = uuid.uuid4()
    batch = [make_event(tenant, occurred_at=NOW - timedelta(microseconds=n)) for n in range(250)]
    sa_event.listen(store.engine, "before_cursor_execute", count)
    try:
        store.write(batch, [])
    finally:
        sa_event.remove(store.engine, "before_cursor_execute", count)
    assert sum(executions) <= 5
    assert _count(store) == 250
    for seq, entry in enumerate(batch):
        assert store.get(entry.tenant_id, entry.id) == entry.appended(seq)


def test_a_large_batch_on_sqlite_fits_the_connections_limit_of_parameters(
    store: SqlAuditStore,
) -> None:
    """SQLite before 3.32 allows 999 parameters a statement (39 entries' rows): a batch's
    statements hold as many rows as the connection takes."""
    if store.is_postgres:
        pytest.skip("PostgreSQL's batch is one COPY")
    tenant = uuid.uuid4()
    batch = [make_event(tenant, occurred_at=NOW - timedelta(microseconds=n)) for n in range(90)]
    with store.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        previous = driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        try:
            with conn.begin():
                assert insert_sqlite(conn, (sqlite_row(e) for e in batch)) == 90
        finally:
            driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)
    assert _count(store) == 90


def test_a_batch_s_final_entries_are_searchable_once_each_and_mapped_to_their_text(
    store: SqlAuditStore,
) -> None:
    """SQLite indexes a batch's final entries by one statement after its `INSERT`s: each
    once (one the batch repeats was indexed when first stored), none still pending, each
    mapped to its own row of the index (retention removes an entry's text by that map)."""
    if store.is_postgres:
        pytest.skip("PostgreSQL's index is on the entries' own rows")
    tenant = uuid.uuid4()
    stored = make_event(tenant, occurred_at=NOW, summary="Stored before")
    pending = make_event(tenant, occurred_at=NOW, status=None, summary="Still pending")
    store.write([stored], [])
    later = [
        make_event(tenant, occurred_at=NOW - timedelta(microseconds=n), summary=f"Entry {n}")
        for n in range(1, 251)
    ]
    store.write([stored, pending, *later], [])
    with store.engine.connect() as conn:
        indexed = conn.scalar(text("SELECT count(*) FROM audit_search"))
        mapped = dict(
            conn.execute(
                text(
                    f"SELECT m.entry_id, s.text FROM {SQLITE_SEARCH_IDS} m "  # noqa: S608 - our name
                    "JOIN audit_search s ON s.rowid = m.search_rowid"
                )
            ).all()
        )
    finals = [stored, *later]
    assert indexed == len(mapped) == len(finals)
    assert all(f" {e.summary} " in mapped[e.id.hex] for e in finals)
    day = timedelta(days=1)
    criteria = Criteria(tenant, NOW - day, NOW + day, text="still pending")
    assert [e.id for e in store.search(criteria, None, 10)] == [pending.id]


def _batch(size: int = 250) -> list[AuditEvent]:
    """Entries of one tenant, a microsecond apart: more than two statements' worth."""
    return [make_event(occurred_at=NOW - timedelta(microseconds=n)) for n in range(size)]


def _sqlite_only(store: SqlAuditStore) -> None:
    if store.is_postgres:
        pytest.skip("PostgreSQL's batch is one COPY, streamed as its rows are made")


def test_a_large_batch_on_sqlite_has_the_next_statements_rows_made_while_one_runs(
    store: SqlAuditStore,
) -> None:
    """SQLite inserts without the interpreter's lock: the rows of the next statement are made
    in another thread meanwhile, so making rows and inserting them share two cores."""
    _sqlite_only(store)
    batch = _batch()
    makers: set[int] = set()
    second_begun = threading.Event()
    overlapped: list[bool] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for n, entry in enumerate(batch):
            makers.add(threading.get_ident())
            if n == SQLITE_ROWS_PER_INSERT:
                second_begun.set()
            yield sqlite_row(entry)

    def first_statement(*_: Any) -> None:
        if not overlapped:  # the first INSERT waits, before it runs, for the next one's rows
            overlapped.append(second_begun.wait(10))

    with ThreadPoolExecutor(1) as ahead, store.engine.connect() as conn:
        sa_event.listen(conn, "before_cursor_execute", first_statement)
        with conn.begin():
            assert insert_sqlite(conn, rows(), ahead=ahead) == 250
    assert overlapped == [True]
    assert threading.get_ident() not in makers
    assert _count(store) == 250


def test_an_error_making_rows_ahead_is_raised_and_no_row_is_taken_after_it(
    store: SqlAuditStore,
) -> None:
    _sqlite_only(store)
    batch = _batch()
    taken: list[int] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for n, entry in enumerate(batch):
            if n == 150:
                raise ValueError("entry 150 cannot be encoded")
            taken.append(n)
            yield sqlite_row(entry)

    with ThreadPoolExecutor(1) as ahead, store.engine.connect() as conn:
        with pytest.raises(ValueError, match="entry 150"), conn.begin():
            insert_sqlite(conn, rows(), ahead=ahead)
        assert len(taken) == 150
    assert _count(store) == 0


def test_a_failed_statement_waits_for_the_rows_being_made_before_it_raises(
    store: SqlAuditStore,
) -> None:
    _sqlite_only(store)
    batch = _batch()
    made = threading.Event()

    def rows() -> Iterator[tuple[Any, ...]]:
        for n, entry in enumerate(batch):
            if n == SQLITE_ROWS_PER_INSERT * 2 - 1:
                time.sleep(0.2)  # still making the second statement's rows when the first fails
                made.set()
            row = sqlite_row(entry)
            yield (object(), *row[1:]) if n == 0 else row  # a value SQLite cannot bind

    with ThreadPoolExecutor(1) as ahead, store.engine.connect() as conn:
        with pytest.raises(Exception, match="type"), conn.begin():
            insert_sqlite(conn, rows(), ahead=ahead)
        assert made.is_set()
    assert _count(store) == 0


def test_a_large_retried_batch_stores_only_its_new_entries_in_the_search_index_too(
    store: SqlAuditStore,
) -> None:
    """A retry across several statements' worth of rows: the stored ones are skipped, each
    new one takes the next place, and every final entry is found by free text once."""
    tenant = uuid.uuid4()
    batch = [
        make_event(tenant, occurred_at=NOW - timedelta(microseconds=n), summary=f"Call {n:03d}x")
        for n in range(230)
    ]
    store.write(batch[:120], [])
    store.write(batch, [])
    assert _count(store) == 230
    for seq, entry in enumerate(batch):
        assert store.get(entry.tenant_id, entry.id) == entry.appended(seq)
    day = timedelta(days=1)
    for n in (7, 119, 120, 207):
        criteria = Criteria(tenant, NOW - day, NOW + day, text=f"call {n:03d}x")
        assert [e.id for e in store.search(criteria, None, 10)] == [batch[n].id]


def test_a_batch_on_sqlite_sends_written_sql_and_compiles_no_statement(
    store: SqlAuditStore,
) -> None:
    """An audited edit's batch holds an entry or two, so what a batch costs whatever its size
    (building and compiling statements) is most of what an edit costs the writer."""
    if store.is_postgres:
        pytest.skip("SQLite's path")
    tenant = uuid.uuid4()
    store.write([make_event(tenant)], [])
    compiled = []

    def note(_conn: Any, _cursor: Any, statement: str, _params: Any, ctx: Any, _many: bool) -> None:
        if ctx.compiled is not None:
            compiled.append(statement)

    pending = make_event(tenant, status=None)
    done = pending.completed(200, 1.0, pending.request, None)
    sa_event.listen(store.engine, "before_cursor_execute", note)
    try:
        store.write([pending, make_event(tenant)], [])
        store.write([], [done])
    finally:
        sa_event.remove(store.engine, "before_cursor_execute", note)
    assert compiled == []
    assert store.get(tenant, pending.id) == done.appended(2)


def test_an_entry_inserted_and_completed_in_one_batch_ends_completed(
    store: SqlAuditStore,
) -> None:
    pending = make_event(occurred_at=NOW, status=None)
    done = pending.completed(204, 3.25, pending.request, None)
    store.write([pending], [done])
    stored = store.get(pending.tenant_id, pending.id)
    assert stored is not None
    assert (stored.outcome, stored.status, stored.duration_ms) == (Outcome.SUCCEEDED, 204, 3.25)


def test_outcomes_stored_in_a_later_batch_read_back_exactly_as_completed(
    store: SqlAuditStore,
) -> None:
    """Outcomes go by the driver's own path too (on SQLite): each finds its pending entry by
    its encoded key, stores every completing field as given, and takes its place in the log."""
    pending = [
        dataclasses.replace(e, status=None, outcome=Outcome.UNKNOWN, duration_ms=None)
        for e in _awkward_entries()
    ]
    store.write(pending, [])
    body = Body("application/json", 7, is_json=True, json={"tab": "a\tb", "n": [1, None]})
    done = [
        e.completed(200 + n, 0.1 + 0.2, e.request, body if n % 2 else None, summary=f"Done {n}")
        for n, e in enumerate(pending)
    ]
    store.write([], done)
    for seq, event in enumerate(done):
        assert store.get(event.tenant_id, event.id) == event.appended(seq)


def test_a_batch_with_a_naive_timestamp_is_refused_whole(store: SqlAuditStore) -> None:
    """A naive instant would be stored in some local time; it is refused, with its batch."""
    good = make_event(occurred_at=NOW)
    naive = dataclasses.replace(make_event(occurred_at=NOW), occurred_at=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="naive"):
        store.write([good, naive], [])
    assert _count(store) == 0


def test_a_failed_batch_leaves_nothing_behind_for_the_next(store: SqlAuditStore) -> None:
    """On PostgreSQL a batch is one COPY; when it fails part-way (here: no partition for one
    entry), what was copied goes with the rolled-back transaction, not into the next batch."""
    if not store.is_postgres:
        pytest.skip("partitions are PostgreSQL's")
    old = make_event(occurred_at=datetime(2019, 3, 15, tzinfo=UTC))
    store.write([old], [])
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_entries_p201903"))
    lost, later = make_event(occurred_at=datetime(2019, 3, 16, tzinfo=UTC)), make_event()
    with pytest.raises(Exception, match="partition"):
        store.write([later, lost], [])
    with store.engine.begin() as conn:
        create_partition(conn, 2019, 3)
    store.write([later], [])
    assert store.get(later.tenant_id, later.id) == later.appended(0)
    assert store.get(lost.tenant_id, lost.id) is None
    assert _count(store) == 1


def _core_row(e: AuditEvent) -> dict[str, Any]:
    """The entry as SQLAlchemy Core inserts it, through the columns' own types."""
    return {
        "tenant_id": e.tenant_id,
        "occurred_at": e.occurred_at,
        "id": e.id,
        "seq": e.seq,
        "duration_ms": e.duration_ms,
        "actor_type": e.actor.type.value,
        "actor_id": e.actor.id,
        "actor_email": e.actor.email.lower() if e.actor.email else None,
        "actor_name": e.actor.name,
        "source": e.source,
        "action": e.action.value,
        "method": e.method,
        "path": e.path,
        "route": e.route,
        "resource_type": e.resource.type,
        "resource_id": e.resource.id,
        "status": e.status,
        "outcome": e.outcome.value,
        "summary": e.summary,
        "request": None if e.request is None else e.request.to_dict(),
        "response": None if e.response is None else e.response.to_dict(),
        "client_ip": e.client_ip,
        "user_agent": e.user_agent,
        "resource_name": e.resource.name,
        "changes": None if e.changes is None else e.changes.to_dict(),
    }


def _stored(store: SqlAuditStore) -> list[tuple[Any, ...]]:
    """Every row as the database holds it, bypassing SQLAlchemy's result processing (on
    PostgreSQL as the row's text, where SQL NULL and JSON null differ)."""
    sql = (
        "SELECT audit_entries::text FROM audit_entries ORDER BY id"
        if store.is_postgres
        else "SELECT * FROM audit_entries ORDER BY id"
    )
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(sql)]


def _count(store: SqlAuditStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_entries")).scalar_one())
