"""The Merkle tree and signed notes of the log, against RFC 9162's definitions and C2SP's."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from asgi_audit import MemoryAuditStore, Outcome, canonical_bytes
from asgi_audit.notary import Notary
from asgi_audit.testing import make_event
from asgi_audit.tlog.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from asgi_audit.tlog.note import Checkpoint, NoteError, Signer, Verifier, open_note


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, MTH, written from its definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def source_of(leaves: list[bytes]):  # type: ignore[no-untyped-def]
    def source(wanted):  # type: ignore[no-untyped-def]
        return {(lv, i): mth(leaves[i << lv : (i + 1) << lv]) for lv, i in wanted}

    return source


LEAVES = [f"leaf {n}".encode() for n in range(40)]


@pytest.mark.parametrize("size", range(0, 40))
def test_the_right_edge_gives_the_root_rfc_9162_defines(size: int) -> None:
    edge = CompactRange()
    for data in LEAVES[:size]:
        edge.append(leaf_hash(data))
    assert edge.root() == mth(LEAVES[:size])
    assert CompactRange.from_bytes(size, edge.to_bytes()).root() == edge.root()
    assert root_of(size, source_of(LEAVES)) == mth(LEAVES[:size])


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 16, 17, 31, 40])
def test_every_leaf_s_inclusion_proof_leads_to_the_root_and_nowhere_else(size: int) -> None:
    root = mth(LEAVES[:size])
    for index in range(size):
        path = inclusion_proof(index, size, source_of(LEAVES))
        assert verify_inclusion(index, size, leaf_hash(LEAVES[index]), path, root)
        assert not verify_inclusion(index, size, leaf_hash(b"forged"), path, root)
        if path:
            assert not verify_inclusion(index, size, leaf_hash(LEAVES[index]), path[:-1], root)


@pytest.mark.parametrize("size", [2, 3, 7, 8, 9, 21, 40])
def test_every_older_tree_is_proved_a_prefix_and_a_rewritten_one_is_not(size: int) -> None:
    root = mth(LEAVES[:size])
    for old in range(1, size):
        proof = consistency_proof(old, size, source_of(LEAVES))
        assert verify_consistency(old, size, mth(LEAVES[:old]), root, proof)
        rewritten = [b"rewritten", *LEAVES[1:old]]
        assert not verify_consistency(old, size, mth(rewritten), root, proof)


def test_the_empty_tree_s_root_is_the_hash_of_nothing() -> None:
    assert CompactRange().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_a_signed_checkpoint_opens_with_its_key_and_not_with_another() -> None:
    signer = Signer.generate("log.example")
    text = Checkpoint("log.example/tenants/t/audit-log", 7, bytes(32)).text()
    note = signer.sign(text)
    body, by = open_note(note, [signer.verifier])
    assert body == text
    assert by == signer.verifier
    assert note.startswith(text + "\n\u2014 log.example ")
    with pytest.raises(NoteError):
        open_note(note, [Signer.generate("log.example").verifier])
    with pytest.raises(NoteError):
        open_note(note.replace("\n7\n", "\n8\n"), [signer.verifier])


def test_the_key_id_is_the_hash_of_name_newline_algorithm_and_key() -> None:
    verifier = Signer.generate("log.example").verifier
    expected = hashlib.sha256(b"log.example\n\x01" + verifier.public_key).digest()[:4]
    name, key_id, key = verifier.key.split("+", 2)
    assert (name, key_id) == ("log.example", expected.hex())
    assert base64.b64decode(key) == b"\x01" + verifier.public_key
    assert Verifier.parse(verifier.key) == verifier


def test_keys_whose_base64_holds_a_plus_sign_parse() -> None:
    for _ in range(64):
        signer = Signer.generate("log.example")
        assert Signer.parse(signer.key) == signer
        assert Verifier.parse(signer.verifier.key) == signer.verifier


def test_a_verifier_key_whose_id_does_not_match_is_refused() -> None:
    name, _, key = Signer.generate("log.example").verifier.key.split("+", 2)
    with pytest.raises(NoteError):
        Verifier.parse(f"{name}+00000000+{key}")


def test_entries_take_consecutive_places_and_their_leaves_are_their_canonical_bytes() -> None:
    store = MemoryAuditStore()
    tenant = make_event().tenant_id
    events = [make_event(tenant) for _ in range(5)]
    store.write(events[:2], [])
    store.write(events[2:], [])
    leaves = [leaf for batch in store.leaves(tenant, 0, 10, 2) for leaf in batch]
    assert [leaf.seq for leaf in leaves] == [0, 1, 2, 3, 4]
    for leaf, event in zip(leaves, events, strict=True):
        assert leaf.entry == event.appended(leaf.seq)
        assert leaf.hash == leaf_hash(canonical_bytes(event.appended(leaf.seq)))


def test_a_modification_takes_its_place_when_its_outcome_is_stored() -> None:
    store = MemoryAuditStore()
    pending = make_event(status=None)
    read = make_event(pending.tenant_id)
    store.write([pending], [])
    store.write([read], [])
    assert store.get(pending.tenant_id, pending.id).seq is None  # type: ignore[union-attr]
    store.write([], [pending.completed(201, 3.0, pending.request, None)])
    placed = store.get(pending.tenant_id, pending.id)
    assert placed is not None
    assert (placed.seq, placed.outcome) == (1, Outcome.SUCCEEDED)


def test_an_outcome_whose_caller_gave_up_waits_for_its_restatement() -> None:
    store = MemoryAuditStore()
    pending = make_event(status=None)
    store.write([pending], [])
    told = pending.completed(201, 3.0, pending.request, None)
    store.write([], [told], settled=lambda _e: False)
    stored = store.get(pending.tenant_id, pending.id)
    assert stored is not None
    assert (stored.seq, stored.status) == (None, 201)
    restated = pending.completed(201, 3.0, pending.request, None, "Created (told unknown)")
    store.write([], [restated])
    stored = store.get(pending.tenant_id, pending.id)
    assert stored is not None
    assert (stored.seq, stored.summary) == (0, "Created (told unknown)")


def test_the_notary_seals_what_waited_too_long_and_signs_each_grown_log() -> None:
    store = MemoryAuditStore()
    now = datetime.now(UTC)
    stale = make_event(occurred_at=now - timedelta(minutes=5), status=None)
    fresh = make_event(stale.tenant_id, occurred_at=now, status=None)
    store.write([stale, fresh], [])
    signer = Signer.generate("log.example")
    notary = Notary(
        store, signer, lambda t: f"log.example/tenants/{t}/audit-log", clock=lambda: now
    )
    notary.run_once()
    sealed = store.get(stale.tenant_id, stale.id)
    assert sealed is not None
    assert (sealed.seq, sealed.outcome) == (0, Outcome.UNKNOWN)
    assert store.get(fresh.tenant_id, fresh.id).seq is None  # type: ignore[union-attr]
    checkpoint = store.checkpoint(stale.tenant_id)
    assert checkpoint is not None
    assert checkpoint.size == 1
    text, _ = open_note(checkpoint.note, notary.trusted)
    assert Checkpoint.parse(text) == Checkpoint(
        f"log.example/tenants/{stale.tenant_id}/audit-log", 1, checkpoint.root
    )
    store.write([make_event(stale.tenant_id)], [])
    assert notary.checkpoint(now + timedelta(seconds=1)) == 0  # within the interval
    assert notary.checkpoint(now + timedelta(seconds=11)) == 1
