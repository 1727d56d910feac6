"""Inclusion paths of many leaves of one tree, each complete node fetched once.

An export proves every line it writes against one checkpoint. Asking the store for each path
alone would cost O(log n) reads a line; instead the paths of a whole batch of lines are listed
first and their missing nodes fetched together. Complete nodes never change, so the ones many
paths share (the higher levels) are kept for the next batches, up to `keep` of them: memory
stays bounded however long the export.
"""

from __future__ import annotations

from collections.abc import Iterable

from asgi_audit.tlog.merkle import Node, NodeSource, _inclusion_ranges, fold, range_nodes

KEEP = 50_000
"""Complete nodes kept between batches (about 3 MB)."""
KEEP_FROM_LEVEL = 4
"""Nodes from this level up are kept: below it, neighbouring batches rarely share them."""


class InclusionPaths:
    """The audit paths (RFC 9162, leaf side first) of leaves in the tree of `size` leaves."""

    def __init__(self, size: int, source: NodeSource, *, keep: int = KEEP) -> None:
        self.size = size
        self.source = source
        self.keep = keep
        self._known: dict[Node, bytes] = {}

    def __call__(self, seqs: Iterable[int]) -> dict[int, list[bytes]]:
        """The path of each of `seqs` inside the tree (others are left out)."""
        needed = {
            seq: [range_nodes(start, end) for start, end in _inclusion_ranges(seq, self.size)]
            for seq in seqs
            if 0 <= seq < self.size
        }
        wanted = {node for ranges in needed.values() for nodes in ranges for node in nodes}
        missing = wanted - self._known.keys()
        found = self.source(missing) if missing else {}
        known = {**self._known, **found}
        paths = {
            seq: [fold([known[node] for node in nodes]) for nodes in ranges]
            for seq, ranges in needed.items()
        }
        self._remember(found)
        return paths

    def _remember(self, found: dict[Node, bytes]) -> None:
        if len(self._known) > self.keep:
            self._known.clear()
        self._known.update((node, h) for node, h in found.items() if node[0] >= KEEP_FROM_LEVEL)
