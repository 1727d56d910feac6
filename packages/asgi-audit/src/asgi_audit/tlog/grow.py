"""Growing a tree's right edge by many leaves at once, as a verifier rebuilding a log does.

A run of 2^k leaf hashes appended at a size that is a multiple of 2^k is one perfect subtree:
it is hashed level by level (one list comprehension per level, no Python step per node beyond
the hash itself), and its root then joins the right edge as one node of level k. The roots at
sizes inside the run come from the levels already made: the tree's edge before the run, then
the run's complete nodes for the binary digits of how far into it the size is. Any other run
is appended leaf by leaf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Container

from asgi_audit.tlog.merkle import HASH_SIZE, CompactRange, Node


def grow_tree(
    tree: CompactRange,
    hashes: bytes,
    roots: Container[int],
    at_sizes: dict[int, bytes],
    made: dict[Node, bytes],
    stride: int,
) -> None:
    """Append the leaf hashes `hashes` (32 bytes each) to `tree`; note its root at each size
    in `roots` it passes (`at_sizes`) and each complete node it makes at a level that is a
    positive multiple of `stride` (`made`)."""
    count = len(hashes) // HASH_SIZE
    if count >= 2 and count & (count - 1) == 0 and tree.size % count == 0:
        _append_perfect(tree, hashes, count, roots, at_sizes, made, stride)
        return
    for at in range(0, len(hashes), HASH_SIZE):
        _push(tree, hashes[at : at + HASH_SIZE], 0, made, stride)
        tree.size += 1
        if tree.size in roots:
            at_sizes[tree.size] = tree.root()


def _push(
    tree: CompactRange, digest: bytes, level: int, made: dict[Node, bytes], stride: int
) -> None:
    """Put the complete node `digest` of `level` next on `tree`'s edge (at its size, which
    the caller then moves on), merging it with the edge's equal-sized nodes on its left
    (`CompactRange.append`, from any level, noting the nodes made at the `stride` levels)."""
    index = tree.size >> level
    while index & 1:
        digest = hashlib.sha256(b"\x01" + tree.hashes.pop() + digest).digest()
        level += 1
        index >>= 1
        if level % stride == 0:
            made[(level, index)] = digest
    tree.hashes.append(digest)


def _append_perfect(
    tree: CompactRange,
    hashes: bytes,
    count: int,
    roots: Container[int],
    at_sizes: dict[int, bytes],
    made: dict[Node, bytes],
    stride: int,
) -> None:
    sha256 = hashlib.sha256
    start = tree.size
    level_hashes = [hashes[at : at + HASH_SIZE] for at in range(0, len(hashes), HASH_SIZE)]
    levels = [level_hashes]
    while len(level_hashes) > 1:
        lefts, rights = level_hashes[::2], level_hashes[1::2]
        level_hashes = [
            sha256(b"\x01" + left + right).digest()
            for left, right in zip(lefts, rights, strict=True)
        ]
        levels.append(level_hashes)
        level = len(levels) - 1
        if level % stride == 0:
            first = start >> level
            made.update(((level, first + i), h) for i, h in enumerate(level_hashes))
    edge = list(tree.hashes)
    for size in range(start + 1, start + count):
        if size in roots:
            at_sizes[size] = _root_inside(edge, levels, start, size)
    top = len(levels) - 1  # the run's root joins the edge as one node of level k
    _push(tree, levels[top][0], top, made, stride)
    tree.size += count
    if tree.size in roots:
        at_sizes[tree.size] = tree.root()


def _root_inside(edge: list[bytes], levels: list[list[bytes]], start: int, size: int) -> bytes:
    """The root at `size`, a size inside a perfect run starting at `start` after `edge`."""
    hashes = list(edge)
    done = 0
    offset = size - start
    for level in range(len(levels) - 1, -1, -1):
        if offset & (1 << level):
            hashes.append(levels[level][done >> level])
            done += 1 << level
    return CompactRange(size, hashes).root()
