"""Inclusion paths of many leaves of one tree, each node fetched and encoded once.

An export proves every line it writes against one checkpoint. RFC 9162's path of leaf `seq`
in a tree of `size` leaves splits in two: the tree's top is the binary decomposition of `size`
into complete blocks, and the path's upper part (the other blocks' hashes, folded) is the same
for every leaf of a block; below, inside the block, it is the sibling of each of the leaf's
ancestors, the complete node `(level, (seq >> level) ^ 1)`. So each block's upper part is
worked out once, each sibling node is fetched once for the batch of lines that needs it (and
its base64 kept), and the lines of neighbouring leaves, which share all but their lowest
siblings, share the rest of their encoded path. Memory stays bounded: at most `keep` nodes.
"""

from __future__ import annotations

import binascii
import bisect
import hashlib
from collections.abc import Iterable

from asgi_audit.store.tree import NODE_STRIDE
from asgi_audit.tlog.merkle import (
    Node,
    NodeSource,
    _inclusion_ranges,
    fold,
    node_hash,
    range_nodes,
)

KEEP = 50_000
"""Nodes kept between batches (about 6 MB with their base64)."""
KEEP_FROM_LEVEL = 4
"""Encoded paths are shared from this level up (16 neighbouring leaves share them)."""


def _blocks(size: int) -> list[tuple[int, int]]:
    """The complete blocks the tree's top splits `size` leaves into: (first leaf, level)."""
    blocks: list[tuple[int, int]] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            blocks.append((start, level))
            start += 1 << level
    return blocks


class InclusionPaths:
    """The audit paths (RFC 9162, leaf side first) of leaves in the tree of `size` leaves."""

    def __init__(self, size: int, source: NodeSource, *, keep: int = KEEP) -> None:
        self.size = size
        self.source = source
        self.keep = keep
        self._blocks = _blocks(size)
        self._starts = [start for start, _ in self._blocks]
        self._known: dict[Node, bytes] = {}
        self._quoted: dict[Node, bytes] = {}
        self._tops: dict[int, list[bytes]] = {}
        self._upper: dict[tuple[int, int], bytes] = {}

    def __call__(self, seqs: Iterable[int]) -> dict[int, list[bytes]]:
        """The path of each of `seqs` inside the tree (others are left out)."""
        inside = self._prepare(seqs)
        known, tops = self._known, self._tops
        paths: dict[int, list[bytes]] = {}
        for seq in inside:
            block, level = self._block(seq)
            low = [known[(k, (seq >> k) ^ 1)] for k in range(level)]
            paths[seq] = low + tops[block]
        return paths

    def encoded(self, seqs: Iterable[int]) -> dict[int, bytes]:
        """The path of each of `seqs` as the inside of a JSON array of base64 strings, e.g.
        `"aGFz…","bm9k…"` (others are left out)."""
        inside = self._prepare(seqs)
        quoted = self._quoted
        out: dict[int, bytes] = {}
        for seq in inside:
            block, level = self._block(seq)
            low = [quoted[(k, (seq >> k) ^ 1)] for k in range(min(level, KEEP_FROM_LEVEL))]
            upper = self._upper_of(seq, block, level)
            out[seq] = b",".join([*low, upper] if upper else low)
        return out

    def _upper_of(self, seq: int, block: int, level: int) -> bytes:
        """The encoded path from `KEEP_FROM_LEVEL` up, shared by neighbouring leaves."""
        key = (block, seq >> KEEP_FROM_LEVEL)
        found = self._upper.get(key)
        if found is None:
            quoted = self._quoted
            parts = [quoted[(k, (seq >> k) ^ 1)] for k in range(KEEP_FROM_LEVEL, level)]
            parts += [_quote(h) for h in self._tops[block]]
            found = self._upper[key] = b",".join(parts)
        return found

    def _block(self, seq: int) -> tuple[int, int]:
        block = bisect.bisect_right(self._starts, seq) - 1
        return block, self._blocks[block][1]

    def _prepare(self, seqs: Iterable[int]) -> list[int]:
        """The seqs inside the tree, with every node their paths need known."""
        inside = [seq for seq in seqs if 0 <= seq < self.size]
        if len(self._known) > self.keep:
            self._known.clear()
            self._quoted.clear()
            self._upper.clear()
        by_block: dict[int, set[int]] = {}
        for seq in inside:
            by_block.setdefault(self._block(seq)[0], set()).add(seq)
        wanted: set[Node] = set()
        new_blocks: dict[int, list[list[Node]]] = {}
        for block, ancestors in by_block.items():
            start, level = self._blocks[block]
            # The siblings of each level's ancestors; neighbours share them as levels rise.
            for k in range(level):
                wanted.update([(k, index ^ 1) for index in ancestors])
                ancestors = {index >> 1 for index in ancestors}
            if block not in self._tops:
                above = _inclusion_ranges(start, self.size)[level:]
                new_blocks[block] = [range_nodes(lo, hi) for lo, hi in above]
        for folded in new_blocks.values():
            wanted.update(node for nodes in folded for node in nodes)
        missing = wanted - self._quoted.keys()
        if missing:
            self._learn(missing)
        for block, folded in new_blocks.items():
            self._tops[block] = [fold([self._known[n] for n in nodes]) for nodes in folded]
        return inside

    def _learn(self, missing: set[Node]) -> None:
        """Fetch the stored nodes under `missing` (levels that are multiples of NODE_STRIDE,
        the leaves included) and hash the others up from them, each node once: the nodes
        wanted are found level by level from the top down (an unknown node between stored
        levels wants its two children), then hashed level by level from the bottom up."""
        known = self._known
        wanted: dict[int, set[int]] = {}
        for level, index in missing:
            wanted.setdefault(level, set()).add(index)
        for level in range(max(wanted, default=0), 0, -1):
            if level % NODE_STRIDE == 0 or level not in wanted:
                continue  # a stored level: fetched, not hashed
            below = wanted.setdefault(level - 1, set())
            for index in wanted[level]:
                if (level, index) not in known:
                    below.update((2 * index, 2 * index + 1))
        fetch = {
            (level, index)
            for level, indexes in wanted.items()
            if level % NODE_STRIDE == 0
            for index in indexes
            if (level, index) not in known
        }
        if fetch:
            known.update(self.source(fetch))

        def get(level: int, index: int) -> bytes:
            found = known.get((level, index))
            if found is None:  # a node the source did not have: hashed from its children
                found = node_hash(get(level - 1, 2 * index), get(level - 1, 2 * index + 1))
                known[(level, index)] = found
            return found

        sha256, b64 = hashlib.sha256, binascii.b2a_base64
        for level in sorted(wanted):
            if level % NODE_STRIDE == 0:
                continue
            for index in wanted[level]:
                if (level, index) not in known:
                    left = known.get((level - 1, 2 * index)) or get(level - 1, 2 * index)
                    right = known.get((level - 1, 2 * index + 1)) or get(level - 1, 2 * index + 1)
                    known[(level, index)] = sha256(b"\x01" + left + right).digest()
        quoted = self._quoted
        for node in missing:
            quoted[node] = b'"' + b64(known.get(node) or get(*node), newline=False) + b'"'


def _quote(digest: bytes) -> bytes:
    return b'"' + binascii.b2a_base64(digest, newline=False) + b'"'
