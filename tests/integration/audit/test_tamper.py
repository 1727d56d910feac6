"""Tampering as an attacker with the database's rights would (triggers dropped, raw SQL) is
detected by the online verifier and named: which entry or checkpoint, and how."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from asgi_audit import SqlAuditStore
from asgi_audit.store.bulk import insert_postgres, insert_sqlite, postgres_row, sqlite_row
from asgi_audit.store.tables import c, checkpoints, entries, leaves, nodes
from asgi_audit.store.verify import LogVerifier, open_kept
from asgi_audit.tlog.findings import Problem, Report
from callmanager.cli import main
from tests.integration.audit.signed_log import (
    ORIGIN_HOST,
    SignedLog,
    drop_checkpoints_above,
    origin,
    rebuild_tree,
    without_guards,
)

SIZES = (10, 25, 40)
"""A checkpoint is signed at each of these sizes."""


@pytest.fixture
def log(store: SqlAuditStore) -> SignedLog:
    signed = SignedLog(store)
    signed.grow(SIZES)
    return signed


def problems(report: Report) -> set[tuple[Problem, int | None, uuid.UUID | None]]:
    return {(f.problem, f.seq, f.entry_id) for f in report.findings}


def test_an_untouched_log_verifies(log: SignedLog) -> None:
    report = log.verify()
    assert report.ok, report.findings
    assert (report.size, report.checkpoints) == (40, 3)


@pytest.mark.parametrize(
    "change",
    [{"summary": "Created group 'Innocent'"}, {"status": 500}, {"outcome": "failed"}],
    ids=["summary", "status", "outcome"],
)
def test_a_changed_field_of_one_entry_is_named_altered(
    log: SignedLog, change: dict[str, object]
) -> None:
    with log.store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 7)
        conn.execute(update(entries).where(c.id == target.id).values(**change))
    assert problems(log.verify()) == {(Problem.ALTERED, 7, target.id)}


def test_a_changed_body_value_is_named_altered(log: SignedLog) -> None:
    with log.store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 12)
        assert target.request is not None
        body = target.request.to_dict() | {"body": {"name": "Group 12", "n": 13}}
        conn.execute(update(entries).where(c.id == target.id).values(request=body))
    assert problems(log.verify()) == {(Problem.ALTERED, 12, target.id)}


def test_a_deleted_entry_is_named_missing(log: SignedLog) -> None:
    with log.store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 30)
        conn.execute(delete(entries).where(c.id == target.id))
    assert problems(log.verify()) == {(Problem.MISSING, 30, target.id)}


@pytest.mark.parametrize("seq", [5, 40, 1000], ids=["taken place", "next place", "far beyond"])
def test_a_forged_entry_is_named_inserted(log: SignedLog, seq: int) -> None:
    forged = log.event(seq, summary="Deleted user 'ceo'").appended(seq)
    with log.store.engine.begin() as conn:
        without_guards(conn)
        if log.store.is_postgres:
            assert insert_postgres(conn, [postgres_row(forged, seq)]) == 1
        else:
            assert insert_sqlite(conn, [sqlite_row(forged, seq)]) == 1
    assert problems(log.verify()) == {(Problem.INSERTED, seq, forged.id)}


def test_two_swapped_entries_are_named_reordered(log: SignedLog) -> None:
    with log.store.engine.begin() as conn:
        without_guards(conn)
        first, second = log.entry_at(conn, 3), log.entry_at(conn, 17)
        conn.execute(update(entries).where(c.id == first.id).values(seq=-1))
        conn.execute(update(entries).where(c.id == second.id).values(seq=3))
        conn.execute(update(entries).where(c.id == first.id).values(seq=17))
    assert problems(log.verify()) == {
        (Problem.REORDERED, 17, first.id),
        (Problem.REORDERED, 3, second.id),
    }


def test_a_rewritten_history_with_its_tree_recomputed_fails_the_signed_checkpoints(
    log: SignedLog,
) -> None:
    """Leaves, nodes and head agree with the altered entry; only the signatures cannot."""
    with log.store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 18)
        conn.execute(update(entries).where(c.id == target.id).values(summary="Nothing happened"))
        rebuild_tree(conn, log.tenant)
    report = log.verify()
    named = {(f.problem, f.checkpoint) for f in report.findings}
    assert named == {(Problem.ALTERED, 25), (Problem.ALTERED, 40)}, report.findings


def test_a_log_rolled_back_whole_is_caught_by_a_checkpoint_the_tenant_kept(
    log: SignedLog,
) -> None:
    kept_note = log.store.checkpoint(log.tenant)
    assert kept_note is not None
    assert kept_note.size == 40
    with log.store.engine.begin() as conn:
        without_guards(conn)
        conn.execute(delete(entries).where(c.tenant_id == log.tenant, c.seq >= 25))
        drop_checkpoints_above(conn, log.tenant, 25)
        rebuild_tree(conn, log.tenant)
    assert log.verify().ok, "the database alone shows a consistent, shorter log"
    report = log.verify(open_kept(kept_note.note, log.notary.trusted))
    assert [(f.problem, f.checkpoint) for f in report.findings] == [(Problem.ROLLED_BACK, 40)]


def test_a_rolled_back_and_regrown_log_is_caught_by_the_kept_checkpoint(log: SignedLog) -> None:
    kept = open_kept(log.store.checkpoint(log.tenant, 25).note, log.notary.trusted)  # type: ignore[union-attr]
    with log.store.engine.begin() as conn:
        without_guards(conn)
        conn.execute(delete(entries).where(c.tenant_id == log.tenant, c.seq >= 20))
        drop_checkpoints_above(conn, log.tenant, 10)
        rebuild_tree(conn, log.tenant)
    log.written = 20
    log.grow([30])
    report = log.verify(kept)
    assert [(f.problem, f.checkpoint) for f in report.findings] == [(Problem.ROLLED_BACK, 25)]


def test_a_log_cut_back_below_its_stored_checkpoints_is_named_rolled_back(
    log: SignedLog,
) -> None:
    with log.store.engine.begin() as conn:
        without_guards(conn)
        conn.execute(delete(entries).where(c.tenant_id == log.tenant, c.seq >= 25))
        rebuild_tree(conn, log.tenant)
    report = log.verify()
    assert [(f.problem, f.checkpoint) for f in report.findings] == [(Problem.ROLLED_BACK, 40)]


def test_a_kept_checkpoint_of_another_log_is_refused(log: SignedLog) -> None:
    other = SignedLog(log.store, signer=log.signer)
    other.grow([3])
    kept = open_kept(other.store.checkpoint(other.tenant).note, log.notary.trusted)  # type: ignore[union-attr]
    report = log.verify(kept)
    assert [(f.problem, f.checkpoint) for f in report.findings] == [(Problem.BAD_SIGNATURE, 3)]


def test_a_changed_leaf_or_node_is_named(log: SignedLog) -> None:
    with log.store.engine.begin() as conn:
        without_guards(conn)
        conn.execute(
            update(leaves)
            .where(leaves.c.tenant_id == log.tenant, leaves.c.seq == 2)
            .values(hash=b"\x01" * 32)
        )
        conn.execute(
            update(nodes)
            .where(nodes.c.tenant_id == log.tenant, nodes.c.level == 4, nodes.c.idx == 1)
            .values(hash=b"\x02" * 32)
        )
        target = log.entry_at(conn, 2)
    report = log.verify()
    assert (Problem.ALTERED, 2, target.id) in problems(report)
    assert any("tree node (4, 1)" in f.detail for f in report.findings)
    assert {f.checkpoint for f in report.findings if f.checkpoint} == {10, 25, 40}


def test_a_forged_checkpoint_signature_is_named(log: SignedLog) -> None:
    with log.store.engine.begin() as conn:
        without_guards(conn)
        note = conn.execute(
            select(checkpoints.c.note).where(
                checkpoints.c.tenant_id == log.tenant, checkpoints.c.size == 25
            )
        ).scalar_one()
        forged = note.replace("\n25\n", "\n24\n")
        conn.execute(
            update(checkpoints)
            .where(checkpoints.c.tenant_id == log.tenant, checkpoints.c.size == 25)
            .values(note=forged)
        )
    report = log.verify()
    assert [(f.problem, f.checkpoint) for f in report.findings] == [(Problem.BAD_SIGNATURE, 25)]


def test_an_entry_left_pending_past_the_seal_window_is_named_not_in_the_log(
    log: SignedLog,
) -> None:
    pending = log.event(41, status=None)
    log.store.write([pending], [])
    report = log.verify()
    assert problems(report) == {(Problem.NOT_IN_LOG, None, pending.id)}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET summary = 'x'",
        "UPDATE audit_entries SET seq = seq + 1",
        "DELETE FROM audit_entries",
        "UPDATE audit_leaves SET hash = hash",
        "DELETE FROM audit_leaves",
        "DELETE FROM audit_nodes",
        "UPDATE audit_checkpoints SET note = note",
        "DELETE FROM audit_checkpoints",
    ],
)
def test_the_triggers_refuse_changing_the_log(log: SignedLog, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), log.store.engine.begin() as conn:
        conn.execute(text(statement))
    assert log.verify().ok


def test_the_cli_exits_0_on_an_untouched_log_and_1_naming_the_altered_entry(
    log: SignedLog,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CALLMANAGER_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CALLMANAGER_DATABASE_URL", database_url)
    monkeypatch.setenv("CALLMANAGER_AUDIT_SIGNING_KEY", log.signer.key)
    monkeypatch.setenv("CALLMANAGER_AUDIT_ORIGIN", ORIGIN_HOST)
    assert main(["audit", "verify"]) == 0
    assert f"tenant {log.tenant}: 40 entries, 3 checkpoints: verified" in capsys.readouterr().out

    with log.store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 9)
        conn.execute(update(entries).where(c.id == target.id).values(summary="Nothing"))
    assert main(["audit", "verify", "--tenant", str(log.tenant)]) == 1
    out = capsys.readouterr().out
    assert f"entry seq 9 ({target.id}): altered" in out

    kept = tmp_path / "kept.checkpoint"
    kept.write_text(log.store.checkpoint(log.tenant).note)  # type: ignore[union-attr]
    assert main(["audit", "verify", "--checkpoint", str(kept)]) == 1
    assert "1 failures" in capsys.readouterr().out


def test_worker_processes_find_what_one_process_finds(log: SignedLog) -> None:
    with log.store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 21)
        conn.execute(update(entries).where(c.id == target.id).values(summary="Innocent"))
    parallel = LogVerifier(log.store.engine, log.notary.trusted, origin, batch=8, workers=2)
    try:
        found = problems(parallel.verify(log.tenant))
    finally:
        parallel.close()
    assert found == problems(log.verify()) == {(Problem.ALTERED, 21, target.id)}
