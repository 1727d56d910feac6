"""Growing a tree by a run of leaves at once gives what appending them one by one gives: the
same edge, the same roots at every size passed, the same stored-level nodes."""

from __future__ import annotations

import hashlib

import pytest

from asgi_audit.tlog.grow import grow_tree
from asgi_audit.tlog.merkle import CompactRange, Node, leaf_hash


def mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 MTH over leaf hashes, from its definition."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def one_by_one(
    tree: CompactRange, hashes: list[bytes], stride: int
) -> tuple[dict[int, bytes], dict[Node, bytes]]:
    roots: dict[int, bytes] = {}
    made: dict[Node, bytes] = {}
    for digest in hashes:
        for node in tree.append(digest):
            if node.level and node.level % stride == 0:
                made[(node.level, node.index)] = node.hash
        roots[tree.size] = tree.root()
    return roots, made


@pytest.mark.parametrize(
    ("before", "run"),
    [(0, 16), (16, 16), (32, 16), (48, 16), (64, 64), (0, 1), (5, 16), (16, 7), (0, 8), (96, 32)],
)
def test_a_run_of_leaves_grows_the_tree_as_appending_them_one_by_one(before: int, run: int) -> None:
    stride = 2
    leaves = [leaf_hash(str(i).encode()) for i in range(before + run)]
    expected = CompactRange()
    for digest in leaves[:before]:
        expected.append(digest)
    tree = expected.copy()
    want_roots, want_made = one_by_one(expected, leaves[before:], stride)

    at_sizes: dict[int, bytes] = {}
    made: dict[Node, bytes] = {}
    grow_tree(tree, b"".join(leaves[before:]), set(want_roots), at_sizes, made, stride)

    assert (tree.size, tree.hashes) == (expected.size, expected.hashes)
    assert at_sizes == want_roots
    assert made == want_made
    assert at_sizes[before + run] == mth(leaves)


def test_only_the_sizes_asked_for_get_a_root() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(32)]
    at_sizes: dict[int, bytes] = {}
    grow_tree(CompactRange(), b"".join(leaves), {3, 17, 32}, at_sizes, {}, 4)
    assert at_sizes == {3: mth(leaves[:3]), 17: mth(leaves[:17]), 32: mth(leaves)}
