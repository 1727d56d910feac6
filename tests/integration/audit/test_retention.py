"""Retention removes a tenant's entries older than a given instant and nothing else: the log's
leaves, tree and checkpoints stay, so what remains still verifies online and offline, pruned
places show as such (hash only), the activity rollup loses exactly what went, and pruning
again removes nothing more. On PostgreSQL whole months go as partitions when no other tenant
still has entries in them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError

from asgi_audit import AuditLog, SqlAuditStore
from asgi_audit.notary import Notary
from asgi_audit.store.port import Pruned
from asgi_audit.store.retention import Pruner
from asgi_audit.store.sql import make_audit_engine
from asgi_audit.store.tables import PARTITION_PREFIX, activity, c, entries
from asgi_audit.testing import make_event
from asgi_audit.tlog.findings import Problem
from asgi_audit.tlog.verify_export import verify_export
from callmanager.cli import main
from tests.integration.audit.signed_log import SignedLog, without_guards

FIRST = datetime(2026, 3, 1, tzinfo=UTC)
STEP = timedelta(hours=31)
COUNT = 120
"""Entries from 1 March 2026 every 31 hours: about five months, to mid-July."""
CUT = datetime(2026, 5, 17, 12, 30, tzinfo=UTC)
"""Cuts through May: March and April go whole, half of May goes."""


def written_log(store: SqlAuditStore, tenant: uuid.UUID | None = None) -> SignedLog:
    """COUNT entries over five months, generated into the store, checkpointed every 40."""
    log = SignedLog(store) if tenant is None else SignedLog(store, tenant=tenant)
    log.start = FIRST
    for lo in range(0, COUNT, 40):
        events = [log.event(i, occurred_at=FIRST + i * STEP) for i in range(lo, lo + 40)]
        store.write(events, [])
        log.notary.run_once()
    log.written = COUNT
    return log


def before_cut() -> int:
    return sum(1 for i in range(COUNT) if FIRST + i * STEP < CUT)


def remaining(store: SqlAuditStore, tenant: uuid.UUID) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(entries).where(c.tenant_id == tenant))


def counted(store: SqlAuditStore, tenant: uuid.UUID) -> int:
    with store.engine.connect() as conn:
        total = conn.scalar(
            select(func.sum(activity.c.count)).where(activity.c.tenant_id == tenant)
        )
    return int(total or 0)


def partitions(store: SqlAuditStore) -> set[str]:
    with store.engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'audit_entries'"
            )
        ).scalars()
        return set(names)


def test_pruning_removes_the_entries_before_the_instant_and_the_log_still_verifies(
    store: SqlAuditStore,
) -> None:
    log = written_log(store)
    assert log.verify().ok
    assert counted(store, log.tenant) == COUNT

    pruned = store.prune(log.tenant, CUT)

    assert pruned.entries == before_cut()
    assert remaining(store, log.tenant) == COUNT - before_cut()
    assert counted(store, log.tenant) == COUNT - before_cut()
    assert store.pruned_before(log.tenant) == CUT
    report = log.verify()
    assert report.ok, report.findings
    assert (report.size, report.pruned, report.checkpoints) == (COUNT, before_cut(), 3)


def test_pruning_again_removes_nothing_more(store: SqlAuditStore) -> None:
    log = written_log(store)
    store.prune(log.tenant, CUT)
    again = store.prune(log.tenant, CUT)
    assert (again.entries, again.partitions) == (0, ())
    assert remaining(store, log.tenant) == COUNT - before_cut()
    assert store.prune(log.tenant, CUT - timedelta(days=20)).entries == 0
    assert store.pruned_before(log.tenant) == CUT, "the retention mark only moves forward"


def test_pruned_places_show_as_pruned_hash_only_in_the_leaves(store: SqlAuditStore) -> None:
    log = written_log(store)
    store.prune(log.tenant, CUT)
    leaves = [leaf for batch in store.leaves(log.tenant, 0, COUNT, 50) for leaf in batch]
    gone = before_cut()
    assert [leaf.pruned for leaf in leaves] == [True] * gone + [False] * (COUNT - gone)
    assert all(leaf.entry is None and len(leaf.hash) == 32 for leaf in leaves[:gone])
    assert all(leaf.entry is not None for leaf in leaves[gone:])


def test_an_entry_deleted_after_the_retention_mark_is_still_named_missing(
    store: SqlAuditStore,
) -> None:
    log = written_log(store)
    store.prune(log.tenant, CUT)
    with store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 100)
        conn.execute(delete(entries).where(c.id == target.id))
    report = log.verify()
    assert [(f.problem, f.seq) for f in report.findings] == [(Problem.MISSING, 100)]
    assert report.pruned == before_cut()


def test_only_retention_may_delete_entries(store: SqlAuditStore) -> None:
    log = written_log(store)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
        conn.execute(delete(entries).where(c.tenant_id == log.tenant, c.seq == 3))


def test_another_tenant_keeps_its_entries_and_its_months(store: SqlAuditStore) -> None:
    log = written_log(store)
    other = written_log(store, tenant=uuid.uuid4())
    pruned = store.prune(log.tenant, CUT)
    assert pruned.entries == before_cut()
    assert pruned.partitions == (), "the other tenant still has entries in every month"
    assert remaining(store, other.tenant) == COUNT
    assert counted(store, other.tenant) == COUNT
    assert other.verify().ok
    assert log.verify().ok


@pytest.mark.postgres
def test_whole_months_no_tenant_still_needs_are_dropped_as_partitions(
    store: SqlAuditStore,
) -> None:
    if not store.is_postgres:
        pytest.skip("partitions are PostgreSQL's")
    log = written_log(store)
    march, april, may = (f"{PARTITION_PREFIX}2026{m:02d}" for m in (3, 4, 5))
    assert {march, april, may} <= partitions(store)

    pruned = store.prune(log.tenant, CUT)

    assert pruned.partitions == (march, april)
    assert pruned.entries == before_cut()
    assert not {march, april} & partitions(store)
    assert may in partitions(store), "the month the period cuts through is deleted row by row"
    assert counted(store, log.tenant) == COUNT - before_cut()
    assert log.verify().ok


def test_the_writer_keeps_writing_between_batches(database_url: str) -> None:
    """Each batch is its own short transaction: an entry written between two is stored at once."""
    store = SqlAuditStore(make_audit_engine(database_url), prune_batch=7)
    store.prepare()
    try:
        log = written_log(store)
        written: list[int] = []

        def write_one(n: int) -> None:
            store.write([make_event(log.tenant, occurred_at=datetime.now(UTC))], [])
            written.append(n)

        pruned = store.prune(log.tenant, CUT, between=write_one)
        assert len(written) >= 2
        assert all(0 < n <= 7 for n in written)
        assert pruned.entries == before_cut()
        assert remaining(store, log.tenant) == COUNT - before_cut() + len(written)
        log.notary.run_once()
        assert log.verify().ok
    finally:
        store.close()


def test_a_range_export_of_a_pruned_log_verifies_offline_with_its_pruned_places(
    store: SqlAuditStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = written_log(store)
    store.prune(log.tenant, CUT)
    path = tmp_path / "export.jsonl"
    audit_log = AuditLog(store, cursor_key=b"k" * 32)
    path.write_bytes(b"".join(audit_log.export_range(log.tenant, 0, None)))
    lines = path.read_bytes().splitlines()
    first = orjson.loads(lines[0])
    assert (first["leaf"], first["pruned"], len(first["hash"])) == (None, True, 44)
    assert orjson.loads(lines[-1])["pruned_before"] == "2026-05-17T12:30:00.000000Z"

    report = verify_export(path, log.signer.verifier)
    assert report.ok, report.findings
    assert (report.size, report.pruned) == (COUNT, before_cut())
    key = log.signer.verifier.key
    assert main(["audit", "verify", "--offline", str(path), "--key", key]) == 0
    assert f"{before_cut()} pruned" in capsys.readouterr().out

    # An entry after the retention mark turned into a hash-only line is missing, not pruned.
    line = orjson.loads(lines[100])
    lines[100] = orjson.dumps(
        {"seq": line["seq"], "entry_id": line["id"], "hash": first["hash"], "leaf": None}
        | {"pruned": True, "inclusion_path": line["inclusion_path"]}
    )
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = verify_export(path, log.signer.verifier)
    assert [(f.problem, f.seq) for f in report.findings] == [(Problem.MISSING, 100)]


def test_sqlite_forgets_the_searched_text_of_pruned_entries(sqlite_database_url: str) -> None:
    store = SqlAuditStore.from_url(sqlite_database_url)
    try:
        log = written_log(store)
        store.prune(log.tenant, CUT)
        with store.engine.connect() as conn:
            searched = conn.scalar(text("SELECT count(*) FROM audit_search"))
            mapped = conn.scalar(text("SELECT count(*) FROM audit_search_ids"))
        assert searched == mapped == COUNT - before_cut()
    finally:
        store.close()


def test_a_log_with_no_checkpoint_yet_prunes_and_keeps_its_notary_going(
    store: SqlAuditStore,
) -> None:
    log = SignedLog(store)
    store.write([log.event(i, occurred_at=FIRST + i * STEP) for i in range(10)], [])
    assert store.prune(log.tenant, CUT).entries == 10
    Notary(store, log.signer, log.notary.origin, interval=0).run_once()
    report = log.verify()
    assert (report.ok, report.pruned) == (True, 10)


def test_a_limited_pruning_says_more_remain_and_the_next_calls_finish_it(
    database_url: str,
) -> None:
    store = SqlAuditStore(make_audit_engine(database_url), prune_batch=10)
    store.prepare()
    try:
        log = written_log(store)
        calls = [store.prune(log.tenant, CUT, limit=5)]
        while calls[-1].more:
            calls.append(store.prune(log.tenant, CUT, limit=5))
        assert len(calls) > 2
        assert sum(call.entries for call in calls) == before_cut()
        assert store.prune(log.tenant, CUT, limit=5) == Pruned(log.tenant, CUT, 0)
        assert log.verify().ok
    finally:
        store.close()


@pytest.mark.postgres
def test_a_month_busy_with_a_long_read_is_deleted_row_by_row_instead_of_waiting(
    store: SqlAuditStore,
) -> None:
    """A drop waits for its locks a moment only: a long export keeps the month, not the writer."""
    if not store.is_postgres:
        pytest.skip("partitions are PostgreSQL's")
    log = written_log(store)
    with store.engine.connect() as reader:
        reader.execute(select(func.count()).select_from(entries)).scalar()  # holds its locks
        pruned = Pruner(store.engine, drop_wait_s=0.2).prune(log.tenant, CUT)
        reader.rollback()
    assert (pruned.entries, pruned.partitions) == (before_cut(), ())
    assert remaining(store, log.tenant) == COUNT - before_cut()
    assert counted(store, log.tenant) == COUNT - before_cut()
    assert log.verify().ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_retention SET before = '2020-01-01 00:00:00'",
        "UPDATE audit_retention SET pruned = 0",
        "DELETE FROM audit_retention",
    ],
    ids=["mark moved back", "count lowered", "mark removed"],
)
def test_a_retention_mark_never_moves_back_nor_goes(store: SqlAuditStore, statement: str) -> None:
    log = written_log(store)
    store.prune(log.tenant, CUT)
    with pytest.raises(DBAPIError, match="retention mark"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert store.pruned_before(log.tenant) == CUT
    assert log.verify().ok
