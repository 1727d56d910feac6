"""A large JSON Lines export is written by worker processes, a window of entries each
(`asgi_audit.export_pool`): the file is byte for byte what one process writes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from asgi_audit import AuditLog, SqlAuditStore, parse_query
from asgi_audit.export import ExportFormat
from asgi_audit.export_pool import ExportPool
from asgi_audit.query import AuditQuery
from asgi_audit.tlog.verify_export import verify_export
from tests.go_judge import GoJudge
from tests.integration.audit.signed_log import SignedLog, origin

KEY = b"k" * 32
ENTRIES = 23
CHECKPOINTED = 17


def _log_with_ties(store: SqlAuditStore) -> SignedLog:
    """23 entries, three to an instant (so windows are cut between entries of one instant),
    the first 17 under a checkpoint (the rest are exported without a path)."""
    log = SignedLog(store)
    events = [log.event(i, occurred_at=log.start + timedelta(seconds=i // 3)) for i in range(23)]
    store.write(events[:CHECKPOINTED], [])
    log.notary.run_once()
    store.write(events[CHECKPOINTED:], [])
    return log


def _query(log: SignedLog, **filters: str) -> AuditQuery:
    start, end = log.start - timedelta(minutes=1), log.start + timedelta(hours=1)
    return parse_query(log.tenant, start=start.isoformat(), end=end.isoformat(), **filters)


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_a_pooled_export_is_byte_for_byte_the_export_of_one_process(
    store: SqlAuditStore, order: str
) -> None:
    log = _log_with_ties(store)
    query = _query(log, action_type="all", order=order)
    alone = b"".join(AuditLog(store, cursor_key=KEY).export(query, ExportFormat.JSONL, batch=3))
    pool = ExportPool(store, 2, window=4, min_windows=2)
    try:
        pooled = AuditLog(store, cursor_key=KEY, export_pool=pool)
        chunks = list(pooled.export(query, ExportFormat.JSONL, batch=3))
    finally:
        pool.close()

    assert b"".join(chunks) == alone
    assert alone.count(b"\n") == ENTRIES + 1
    assert len(chunks) == 6 + 1  # six windows (4 x 5 + 3), then the trailer


def test_a_pooled_export_verifies_offline_and_before_the_go_judge(
    store: SqlAuditStore, tmp_path: Path, go_judge: GoJudge
) -> None:
    log = _log_with_ties(store)
    log.notary.run_once()  # every line proven
    pool = ExportPool(store, 2, window=4, min_windows=2)
    try:
        pooled = AuditLog(store, cursor_key=KEY, export_pool=pool)
        export = tmp_path / "pooled.jsonl"
        export.write_bytes(
            b"".join(pooled.export(_query(log, action_type="all"), ExportFormat.JSONL))
        )
    finally:
        pool.close()

    assert verify_export(export, log.signer.verifier).ok
    key = log.signer.verifier.key
    printed = go_judge.accepts("export", "-key", key, "-origin", origin(log.tenant), export)
    assert f"in the tree of size {ENTRIES}" in printed


def test_windows_cut_the_search_order_into_runs_of_window_entries(store: SqlAuditStore) -> None:
    log = _log_with_ties(store)
    criteria = _query(log, action_type="all").criteria

    ends = list(store.export_window_ends(criteria, 5))
    windows = []
    for after, through in zip([None, *ends[:-1]], ends, strict=True):
        leaves = store.export_leaves_between(criteria, after, through, 2)
        windows.append([seq for batch in leaves for seq, _ in batch])

    assert ends[-1] is None
    assert [len(w) for w in windows] == [5, 5, 5, 5, 3]
    whole = [seq for batch in store.export_leaves(criteria, 2) for seq, _ in batch]
    assert [seq for w in windows for seq in w] == whole


def test_an_export_of_few_windows_is_written_without_worker_processes(
    store: SqlAuditStore,
) -> None:
    log = _log_with_ties(store)
    pool = ExportPool(store, 2, window=4, min_windows=7)  # 23 entries: 6 windows
    try:
        pooled = AuditLog(store, cursor_key=KEY, export_pool=pool)
        lines = b"".join(pooled.export(_query(log, action_type="all"), ExportFormat.JSONL))

        assert lines.count(b"\n") == ENTRIES + 1
        assert pool.lines(_query(log, action_type="all").criteria, CHECKPOINTED, 10) is None
        assert pool._executor is None  # no process was started
    finally:
        pool.close()


def test_no_pool_serves_an_in_memory_database_or_zero_workers(store: SqlAuditStore) -> None:
    in_memory = SqlAuditStore.from_url("sqlite://")
    try:
        assert ExportPool.serving(in_memory, 2) is None
    finally:
        in_memory.close()
    assert ExportPool.serving(store, 0) is None
    assert ExportPool.serving(store, 2) is not None
