"""The JSON Lines export verifies alone: every line's leaf and inclusion path against the
signed checkpoint of its trailer, and an export of a `seq` range holds the whole range."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from asgi_audit import AuditLog, InvalidQuery, MemoryAuditStore, canonical_bytes, parse_query
from asgi_audit.export import ExportFormat
from asgi_audit.notary import Notary
from asgi_audit.store.paths import KEEP_FROM_LEVEL, InclusionPaths
from asgi_audit.testing import make_event
from asgi_audit.tlog.merkle import leaf_hash, verify_inclusion
from asgi_audit.tlog.note import Checkpoint, Signer, open_note

NOW = datetime.now(UTC).replace(microsecond=0)
SIGNER = Signer.generate("test.example")


def _log(
    tenant: uuid.UUID, count: int, *, checkpoint: bool = True
) -> tuple[MemoryAuditStore, AuditLog]:
    store = MemoryAuditStore()
    events = [
        make_event(tenant, occurred_at=NOW - timedelta(seconds=count - n)) for n in range(count)
    ]
    store.write(events, [])
    if checkpoint:
        Notary(store, SIGNER, lambda t: f"test.example/tenants/{t}/audit-log").checkpoint()
    return store, AuditLog(store, cursor_key=b"export")


def _read(chunks: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    *lines, trailer = [orjson.loads(line) for line in b"".join(chunks).splitlines()]
    return lines, trailer


def _checkpoint(trailer: dict[str, Any]) -> Checkpoint:
    text, _ = open_note(trailer["checkpoint"], [SIGNER.verifier])
    return Checkpoint.parse(text)


def _verifies(line: dict[str, Any], checkpoint: Checkpoint) -> bool:
    leaf = base64.b64decode(line["leaf"])
    path = [base64.b64decode(h) for h in line["inclusion_path"]]
    return verify_inclusion(line["seq"], checkpoint.size, leaf_hash(leaf), path, checkpoint.root)


def test_every_line_verifies_against_the_checkpoint_of_the_trailer() -> None:
    tenant = uuid.uuid4()
    store, log = _log(tenant, 300)
    query = parse_query(tenant, action_type="all", start=(NOW - timedelta(days=1)).isoformat())

    lines, trailer = _read(log.export(query, ExportFormat.JSONL, batch=7))

    checkpoint = _checkpoint(trailer)
    assert (trailer["tree_size"], trailer["range"]) == (300, None)
    assert [line["seq"] for line in lines] == list(range(299, -1, -1))
    assert all(_verifies(line, checkpoint) for line in lines)
    for line in lines[:5]:
        entry = store.get(tenant, uuid.UUID(line["id"]))
        assert entry is not None
        assert base64.b64decode(line["leaf"]) == canonical_bytes(entry)


def test_a_tampered_line_does_not_verify() -> None:
    tenant = uuid.uuid4()
    _store, log = _log(tenant, 20)
    lines, trailer = _read(log.export_range(tenant, 0, None))
    entry = orjson.loads(base64.b64decode(lines[3]["leaf"]))
    entry["summary"] = "Nothing happened"
    forged = {
        **lines[3],
        "leaf": base64.b64encode(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).decode(),
    }
    assert _verifies(lines[3], _checkpoint(trailer))
    assert not _verifies(forged, _checkpoint(trailer))


def test_entries_after_the_checkpoint_are_exported_without_a_path() -> None:
    tenant = uuid.uuid4()
    store, log = _log(tenant, 5)
    store.write([make_event(tenant, occurred_at=NOW)], [])
    pending = make_event(tenant, occurred_at=NOW, status=None)
    store.write([pending], [])
    query = parse_query(tenant, action_type="all", start=(NOW - timedelta(days=1)).isoformat())

    lines, trailer = _read(log.export(query, ExportFormat.JSONL))

    by_seq = {line["seq"]: line for line in lines}
    assert trailer["tree_size"] == 5
    assert by_seq[5]["leaf"] is not None
    assert by_seq[5]["inclusion_path"] is None
    assert (by_seq[None]["leaf"], by_seq[None]["inclusion_path"]) == (None, None)
    assert all(_verifies(by_seq[seq], _checkpoint(trailer)) for seq in range(5))


def test_a_seq_range_exports_every_leaf_of_it_in_order_clamped_to_the_checkpoint() -> None:
    tenant = uuid.uuid4()
    _store, log = _log(tenant, 40)

    lines, trailer = _read(log.export_range(tenant, 10, 1000, batch=6))

    assert trailer["range"] == {"start": 10, "end": 40}
    assert [line["seq"] for line in lines] == list(range(10, 40))
    assert all(_verifies(line, _checkpoint(trailer)) for line in lines)
    _none, beyond = _read(log.export_range(tenant, 50, None))
    assert beyond["range"] == {"start": 50, "end": 50}


def test_a_log_without_a_checkpoint_exports_an_empty_range() -> None:
    tenant = uuid.uuid4()
    _store, log = _log(tenant, 3, checkpoint=False)
    lines, trailer = _read(log.export_range(tenant, None, None))
    assert (lines, trailer) == (
        [],
        {"checkpoint": None, "tree_size": 0, "range": {"start": 0, "end": 0}},
    )


@pytest.mark.parametrize(("start", "end"), [(-1, None), (None, -1), (5, 2)])
def test_a_reversed_or_negative_range_is_refused(start: int | None, end: int | None) -> None:
    _store, log = _log(uuid.uuid4(), 1)
    with pytest.raises(InvalidQuery):
        log.export_range(uuid.uuid4(), start, end)


def test_paths_fetch_each_node_once_and_equal_the_stores_proofs() -> None:
    tenant = uuid.uuid4()
    store, _ = _log(tenant, 1000)
    asked: list[tuple[int, int]] = []
    source = store._source(tenant)

    def counting(wanted: Any) -> Any:
        wanted = list(wanted)
        asked.extend(wanted)
        return source(wanted)

    paths = InclusionPaths(1000, counting)
    for start in range(999, -1, -50):
        seqs = range(max(0, start - 49), start + 1)
        found = paths(seqs)
        for seq in seqs:
            assert found[seq] == store.inclusion_proof(tenant, seq, 1000)
    high = [node for node in asked if node[0] >= KEEP_FROM_LEVEL]
    assert len(high) == len(set(high))  # the shared nodes once
    assert len(asked) < 2 * 1000 + 100  # a tree's nodes, not 10 hashes for each of 1000 paths
