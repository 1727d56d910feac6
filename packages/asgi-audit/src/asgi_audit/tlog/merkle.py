"""RFC 9162 Merkle trees: hashing, the growing right edge, and inclusion and consistency proofs.

A leaf's hash is SHA-256(0x00 ‖ leaf bytes) and a node's SHA-256(0x01 ‖ left ‖ right); the tree
of n leaves splits at the largest power of two below n (RFC 9162, section 2.1.1).

A *complete node* `(level, index)` is the root of the perfect subtree over the leaves
`[index·2^level, (index+1)·2^level)`. Every hash a proof needs is one complete node or the hash
of a run of them, so proofs are built from complete nodes fetched by the caller (`NodeSource`):
`inclusion_proof` and `consistency_proof` first list the nodes they need, then fold them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree: SHA-256 of nothing."""

Node = tuple[int, int]
"""A complete node: (level, index)."""
NodeSource = Callable[[Iterable[Node]], dict[Node, bytes]]
"""Returns the hash of each complete node asked for (all of them, or raises)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


@dataclass(frozen=True, slots=True)
class NewNode:
    """A complete node that became known when a leaf was appended."""

    level: int
    index: int
    hash: bytes


class CompactRange:
    """The right edge of a tree of `size` leaves: the hashes of its largest complete subtrees,
    left to right (one per set bit of `size`, the highest first). Enough to append and to
    compute the root; `to_bytes`/`from_bytes` store it."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a tree of {size} leaves has {bin(size).count('1')} edge hashes")
        self.size = size
        self.hashes = list(hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> CompactRange:
        hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return cls(size, hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)

    def append(self, leaf: bytes) -> list[NewNode]:
        """Append one leaf hash; returns every complete node it completed, the leaf first."""
        index = self.size
        above = self.push(leaf)
        return [NewNode(0, index, leaf)] + [NewNode(lv, index >> lv, h) for lv, h in above]

    def push(self, leaf: bytes) -> list[tuple[int, bytes]]:
        """Append one leaf hash; returns the complete nodes above it that it completed, lowest
        first, as (level, hash): a node's index is the leaf's index shifted right by its level.
        No object per node: the log's writer appends every entry this way."""
        index = self.size
        made: list[tuple[int, bytes]] = []
        current = leaf
        level = 0
        while index & 1:
            current = node_hash(self.hashes.pop(), current)
            level += 1
            index >>= 1
            made.append((level, current))
        self.hashes.append(current)
        self.size += 1
        return made

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        current = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            current = node_hash(left, current)
        return current


# -- which complete nodes a range needs ----------------------------------------------------------


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete nodes whose hashes make MTH(D[start:end]) for a range the tree's splits
    produce (start a multiple of the largest power of two ≤ end - start), left to right."""
    nodes: list[Node] = []
    while start < end:
        n = end - start
        if n & (n - 1) == 0:
            level = n.bit_length() - 1
            nodes.append((level, start >> level))
            break
        k = _split(n)
        level = k.bit_length() - 1
        nodes.append((level, start >> level))
        start += k
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its `range_nodes` hashes (right to left)."""
    current = hashes[-1]
    for left in reversed(hashes[:-1]):
        current = node_hash(left, current)
    return current


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 9162 PATH(index, D[0:size]) as the ranges whose MTH it lists, leaf side first."""
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def _consistency_ranges(old: int, size: int) -> list[tuple[int, int]]:
    """RFC 9162 PROOF(old, D[0:size]) (SUBPROOF with b = true) as ranges, in proof order."""
    ranges: list[tuple[int, int]] = []
    start, end, complete = 0, size, True
    m = old
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _resolve(ranges: list[tuple[int, int]], source: NodeSource) -> list[bytes]:
    needed = [range_nodes(start, end) for start, end in ranges]
    known = source({node for nodes in needed for node in nodes})
    return [fold([known[node] for node in nodes]) for nodes in needed]


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 section 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    return _resolve(_inclusion_ranges(index, size), source)


def consistency_proof(old: int, size: int, source: NodeSource) -> list[bytes]:
    """The proof that the tree of `old` leaves is a prefix of the tree of `size` (RFC 9162
    section 2.1.4.1); empty when `old` is 0 or equals `size`."""
    if not 0 <= old <= size:
        raise ValueError(f"no consistency proof from {old} to {size}")
    if old in (0, size):
        return []
    return _resolve(_consistency_ranges(old, size), source)


def root_of(size: int, source: NodeSource) -> bytes:
    """MTH(D[0:size]) from complete nodes."""
    if size == 0:
        return EMPTY_ROOT
    nodes = range_nodes(0, size)
    known = source(nodes)
    return fold([known[node] for node in nodes])


# -- verifying (RFC 9162 sections 2.1.3.2 and 2.1.4.2) -------------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to from a leaf hash; ValueError if it cannot."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            raise ValueError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("inclusion proof too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, path) == root
    except ValueError:
        return False


def verify_consistency(
    old: int, size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree (old, old_root) is a prefix of (size, root)."""
    if old > size:
        return False
    if old == size:
        return old_root == root and not proof
    if old == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == root
