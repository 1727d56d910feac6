"""A verifier written apart from the production code (`tests/independent_tlog.py`) accepts the
checkpoints, proofs and trees the store builds, on both databases, and rejects tampered ones."""

from __future__ import annotations

import base64
import itertools

import pytest

from asgi_audit import SqlAuditStore, canonical_bytes
from asgi_audit.tlog.note import Signer
from tests import independent_tlog as independent
from tests.integration.audit.signed_log import SignedLog, origin

SIZES = (1, 2, 7, 8, 9, 33, 70)
"""Checkpoints at powers of two and around them."""


@pytest.fixture
def log(store: SqlAuditStore) -> SignedLog:
    signed = SignedLog(store)
    signed.grow(SIZES)
    return signed


def heads(log: SignedLog) -> dict[int, independent.TreeHead]:
    out = {}
    for stored in log.store.checkpoints(log.tenant, None, 100):
        text = independent.open_signed_note(stored.note, log.signer.verifier.key)
        out[stored.size] = independent.parse_checkpoint(text)
    return out


def leaf_hashes(log: SignedLog) -> list[bytes]:
    hashes = []
    for batch in log.store.leaves(log.tenant, 0, max(SIZES), 16):
        for leaf in batch:
            assert leaf.entry is not None
            hashes.append(independent.hash_leaf(canonical_bytes(leaf.entry)))
    return hashes


def test_every_checkpoint_is_signed_names_its_log_and_has_the_root_of_the_full_tree(
    log: SignedLog,
) -> None:
    found = heads(log)
    assert sorted(found) == list(SIZES)
    hashes = leaf_hashes(log)
    for size, head in found.items():
        assert head.origin == origin(log.tenant)
        assert head.root == independent.mth(hashes[:size])


def test_every_inclusion_proof_verifies_independently(log: SignedLog) -> None:
    hashes = leaf_hashes(log)
    for size, head in heads(log).items():
        for index in range(size):
            path = log.store.inclusion_proof(log.tenant, index, size)
            independent.check_inclusion(index, size, hashes[index], path, head.root)


def test_every_consistency_proof_between_checkpoints_verifies_independently(
    log: SignedLog,
) -> None:
    found = heads(log)
    for first, second in itertools.combinations(sorted(found), 2):
        proof = log.store.consistency_proof(log.tenant, first, second)
        independent.check_consistency(first, second, found[first].root, found[second].root, proof)


def test_tampered_notes_proofs_and_trees_are_rejected(log: SignedLog) -> None:
    found = heads(log)
    hashes = leaf_hashes(log)
    note = log.store.checkpoint(log.tenant)
    assert note is not None
    key = log.signer.verifier.key
    with pytest.raises(independent.Rejected):
        independent.open_signed_note(note.note.replace("\n70\n", "\n71\n"), key)
    with pytest.raises(independent.Rejected):
        independent.open_signed_note(note.note, Signer.generate("audit.test.example").verifier.key)
    name, _, encoded = key.split("+", 2)
    with pytest.raises(independent.Rejected):
        independent.parse_verifier_key(f"{name}+{'0' * 8}+{encoded}")

    path = log.store.inclusion_proof(log.tenant, 5, 70)
    for index, leaf, proof in [
        (5, hashes[6], path),
        (6, hashes[5], path),
        (5, hashes[5], path[:-1]),
        (5, hashes[5], [*path, path[0]]),
        (5, hashes[5], [bytes(32), *path[1:]]),
    ]:
        with pytest.raises(independent.Rejected):
            independent.check_inclusion(index, 70, leaf, proof, found[70].root)

    proof = log.store.consistency_proof(log.tenant, 9, 70)
    for first_root, second_root, steps in [
        (found[8].root, found[70].root, proof),
        (found[9].root, found[33].root, proof),
        (found[9].root, found[70].root, proof[:-1]),
        (found[9].root, found[70].root, []),
    ]:
        with pytest.raises(independent.Rejected):
            independent.check_consistency(9, 70, first_root, second_root, steps)
    assert independent.mth([*hashes[:69], hashes[0]]) != found[70].root
    assert base64.b64encode(found[70].root).decode() in note.note


def test_keys_whose_base64_holds_a_plus_parse_both_ways() -> None:
    """A key's base64 may contain '+', which also separates its parts."""
    for _ in range(64):
        signer = Signer.generate("audit.test.example")
        assert Signer.parse(signer.key).verifier == signer.verifier
        assert independent.parse_verifier_key(signer.verifier.key).public_key == (
            signer.verifier.public_key
        )
