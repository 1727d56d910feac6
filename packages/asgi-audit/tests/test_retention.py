"""Retention in the engine alone (the in-memory store): pruned places keep their leaves, show as
pruned (hash only) in a range export, and the offline verifier counts them as pruned while it
still names a hash-only line after the retention mark as missing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from asgi_audit import AuditLog, MemoryAuditStore
from asgi_audit.notary import Notary
from asgi_audit.testing import make_event
from asgi_audit.tlog.findings import Problem
from asgi_audit.tlog.note import Signer
from asgi_audit.tlog.verify_export import verify_export

NOW = datetime.now(UTC).replace(microsecond=0)
SIGNER = Signer.generate("test.example")
COUNT = 40
CUT = NOW - timedelta(days=25)


def _pruned_log(tenant: uuid.UUID) -> tuple[MemoryAuditStore, int]:
    """COUNT entries one a day up to today, checkpointed, then pruned before CUT."""
    store = MemoryAuditStore()
    events = [make_event(tenant, occurred_at=NOW - timedelta(days=COUNT - n)) for n in range(COUNT)]
    store.write(events, [])
    Notary(store, SIGNER, lambda t: f"test.example/tenants/{t}/audit-log").checkpoint()
    pruned = store.prune(tenant, CUT)
    assert pruned.entries == sum(1 for e in events if e.occurred_at < CUT)
    return store, pruned.entries


def test_a_pruned_range_export_verifies_offline_counting_its_pruned_places(
    tmp_path: Path,
) -> None:
    tenant = uuid.uuid4()
    store, gone = _pruned_log(tenant)
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"".join(AuditLog(store, cursor_key=b"k").export_range(tenant, 0, None)))
    *lines, trailer = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert [line.get("pruned", False) for line in lines] == [True] * gone + [False] * (COUNT - gone)
    assert all(line["leaf"] is None and line["hash"] for line in lines[:gone])
    assert trailer["pruned_before"] == CUT.strftime("%Y-%m-%dT%H:%M:%S.000000Z")

    report = verify_export(path, SIGNER.verifier)
    assert (report.ok, report.size, report.pruned) == (True, COUNT, gone)


def test_a_hash_only_line_after_the_retention_mark_is_missing_not_pruned(tmp_path: Path) -> None:
    tenant = uuid.uuid4()
    store, gone = _pruned_log(tenant)
    raw = b"".join(AuditLog(store, cursor_key=b"k").export_range(tenant, 0, None)).splitlines()
    kept = orjson.loads(raw[gone + 3])
    raw[gone + 3] = orjson.dumps(
        {"seq": kept["seq"], "entry_id": kept["id"], "hash": "A" * 43 + "=", "leaf": None}
        | {"pruned": True, "inclusion_path": kept["inclusion_path"]}
    )
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"\n".join(raw) + b"\n")
    report = verify_export(path, SIGNER.verifier)
    assert [(f.problem, f.seq) for f in report.findings] == [(Problem.MISSING, gone + 3)]
    assert report.pruned == gone


def test_pruning_twice_removes_nothing_more_and_the_mark_never_moves_back() -> None:
    tenant = uuid.uuid4()
    store, _ = _pruned_log(tenant)
    assert store.prune(tenant, CUT).entries == 0
    assert store.prune(tenant, CUT - timedelta(days=5)).entries == 0
    assert store.pruned_before(tenant) == CUT
