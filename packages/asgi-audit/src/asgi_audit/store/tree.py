"""Each tenant's Merkle log in SQL: appending leaves in the writer's transaction, reading proofs.

Appending locks the tenants' heads (`audit_heads`: size and right edge) in the database, in
tenant order, so several processes on one PostgreSQL build one tree per tenant; on SQLite the
transaction's first statement is a write, which takes the database's write lock. Each leaf's
hash goes to `audit_leaves`; complete subtrees at every `NODE_STRIDE`-th level (4, 8, …) to
`audit_nodes`. Any complete node is then at most 2^(NODE_STRIDE-1) stored hashes away, so a proof
reads O(log n) rows in two queries, and the nodes table holds about n/15 rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from asgi_audit.events import AuditEvent, canonical_bytes
from asgi_audit.store.tables import checkpoints, heads, leaves, nodes
from asgi_audit.tlog.merkle import CompactRange, Node, leaf_hash, node_hash

_UPDATE_HEAD = "UPDATE audit_heads SET size = ?, edge = ? WHERE tenant_id = ?"
_NEW_HEAD = (
    "INSERT INTO audit_heads (tenant_id, size, edge, checkpointed) VALUES (?, 0, ?, 0) "
    "ON CONFLICT DO NOTHING"
)
_PG_NEW_HEADS = (
    "INSERT INTO audit_heads (tenant_id, size, edge, checkpointed) "
    "SELECT t, 0, '', 0 FROM unnest(%b::uuid[]) AS t ORDER BY t ON CONFLICT DO NOTHING"
)
_PG_LOCK_HEADS = (
    "SELECT tenant_id, size, edge FROM audit_heads WHERE tenant_id = ANY(%b::uuid[]) "
    "ORDER BY tenant_id FOR UPDATE"
)
_PG_UPDATE_HEADS = (
    "UPDATE audit_heads h SET size = v.size, edge = v.edge "
    "FROM unnest(%b::uuid[], %b::bigint[], %b::bytea[]) AS v(tenant_id, size, edge) "
    "WHERE h.tenant_id = v.tenant_id"
)

_LEAF_TYPES = ("uuid", "int8", "uuid", "bytea")
_NODE_TYPES = ("uuid", "int2", "int8", "bytea")
"""The columns of `audit_leaves` and `audit_nodes`, for their binary `COPY`."""

_PG_NODES = (
    "SELECT 0::smallint, l.seq, l.hash FROM audit_leaves l "
    "WHERE l.tenant_id = %(tenant)s AND l.seq = ANY(%(seqs)s::bigint[]) "
    "UNION ALL SELECT n.level, n.idx, n.hash "
    "FROM unnest(%(levels)s::smallint[], %(idxs)s::bigint[]) AS k(level, idx) "
    "JOIN audit_nodes n ON n.tenant_id = %(tenant)s AND n.level = k.level AND n.idx = k.idx"
)
"""Stored hashes by key in one statement whose text never changes (so the driver prepares it
and the server plans it once per connection): each key one probe of a primary key."""

NODE_STRIDE = 4
"""Levels of the tree whose complete nodes are stored: multiples of this above the leaves."""
SEEN_HEADS = 100_000
"""Tenants whose heads a process remembers having seen (then it starts again): a few MB."""


@dataclass
class Growth:
    """What appending did to one tenant's tree in this transaction, as rows in the columns'
    order: leaves (tenant_id, seq, entry_id, hash), nodes (tenant_id, level, idx, hash)."""

    tenant_id: uuid.UUID
    edge: CompactRange
    leaves: list[tuple[uuid.UUID, int, uuid.UUID, bytes]] = field(default_factory=list)
    nodes: list[tuple[uuid.UUID, int, int, bytes]] = field(default_factory=list)


class Appender:
    """Assigns sequence numbers and computes leaves for the tenants whose heads are locked."""

    def __init__(self, edges: dict[uuid.UUID, CompactRange]) -> None:
        self.grown = {tenant: Growth(tenant, edge) for tenant, edge in edges.items()}

    def next_seq(self, tenant_id: uuid.UUID) -> int:
        return self.grown[tenant_id].edge.size

    def append(self, event: AuditEvent, data: bytes | None = None) -> int:
        """Put the entry (whose content is final) at the next place of its tenant's log;
        returns that place, its `seq`. `data`: the entry's canonical bytes at that place, when
        the caller wrote them already."""
        growth = self.grown[event.tenant_id]
        seq = growth.edge.size
        digest = leaf_hash(canonical_bytes(event, seq) if data is None else data)
        tenant = event.tenant_id
        growth.leaves.append((tenant, seq, event.id, digest))
        for level, node in growth.edge.push(digest):
            if level % NODE_STRIDE == 0:
                growth.nodes.append((tenant, level, seq >> level, node))
        return seq

    def changed(self) -> list[Growth]:
        return [g for g in self.grown.values() if g.leaves]


def _hex(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows as SQLite keeps them: UUIDs as 32 hex digits (SQLAlchemy's `Uuid` there)."""
    return [tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row) for row in rows]


def _hex_leaves(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Leaf rows as SQLite keeps them (`_hex`), each tenant's id written once: the writer
    stores a leaf for every entry."""
    tenants: dict[uuid.UUID, str] = {}
    return [
        (tenants.get(tenant) or tenants.setdefault(tenant, tenant.hex), seq, entry.hex, digest)
        for tenant, seq, entry, digest in rows
    ]


def perfect(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree from its leaves' (or lower nodes') hashes."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def stored_spans(wanted: Iterable[Node]) -> dict[Node, tuple[int, int, int]]:
    """For each complete node: the stored level and the index range [start, end) it folds from."""
    spans: dict[Node, tuple[int, int, int]] = {}
    for level, index in wanted:
        base = level - level % NODE_STRIDE
        width = 1 << (level - base)
        spans[(level, index)] = (base, index * width, (index + 1) * width)
    return spans


MAX_RUNS = 20
"""Runs of neighbouring nodes read as ranges in one call of `stored_hashes`; more go by key."""


def _runs(wanted: Iterable[Node]) -> list[tuple[int, int, int]]:
    """Nodes as runs of neighbours of one level: (level, first index, end index)."""
    runs: list[tuple[int, int, int]] = []
    for level, index in sorted(wanted):
        if runs and runs[-1][0] == level and runs[-1][2] == index:
            runs[-1] = (level, runs[-1][1], index + 1)
        else:
            runs.append((level, index, index + 1))
    return runs


def _span(level: int, start: int, end: int) -> list[Node]:
    return [(level, i) for i in range(start, end)]


class TreeTables:
    """The log's SQL on one database ('sqlite' or 'postgresql')."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        self.insert = pg_insert if self.postgres else sqlite_insert
        self._seen: set[uuid.UUID] = set()
        """Tenants whose heads this process has locked (made, if need be): heads are never
        deleted, so theirs need no `INSERT` again."""

    def lock(self, conn: Connection, tenants: Sequence[uuid.UUID]) -> dict[uuid.UUID, CompactRange]:
        """Each tenant's right edge, its head row locked until the transaction ends."""
        ordered = sorted(set(tenants))
        if self.postgres:
            # One statement each, in tenant order (whatever the number of tenants). A head is
            # made once: for tenants whose heads this process has seen, only the lock.
            driver = conn.connection.driver_connection
            assert driver is not None
            with driver.cursor() as cursor:
                if not self._seen.issuperset(ordered):
                    cursor.execute(_PG_NEW_HEADS, [ordered])
                rows = cursor.execute(_PG_LOCK_HEADS, [ordered], binary=True).fetchall()
                if len(rows) < len(ordered):
                    # A head seen here was made by a transaction that then rolled back.
                    cursor.execute(_PG_NEW_HEADS, [ordered])
                    rows = cursor.execute(_PG_LOCK_HEADS, [ordered], binary=True).fetchall()
            if len(self._seen) > SEEN_HEADS:
                self._seen.clear()
            self._seen.update(ordered)
            return {t: CompactRange.from_bytes(size, bytes(edge)) for t, size, edge in rows}
        # Written SQL, as `save` sends: building and compiling these statements was a fifth
        # of a small batch's cost (an audited edit's batch holds one or two entries).
        conn.exec_driver_sql(_NEW_HEAD, [(t.hex, b"") for t in ordered])
        marks = ", ".join("?" * len(ordered))
        rows = conn.exec_driver_sql(
            f"SELECT tenant_id, size, edge FROM audit_heads WHERE tenant_id IN ({marks})",  # noqa: S608 - marks only
            tuple(t.hex for t in ordered),
        )
        return {
            uuid.UUID(tenant): CompactRange.from_bytes(size, bytes(edge))
            for tenant, size, edge in rows
        }

    def save(self, conn: Connection, grown: Sequence[Growth]) -> None:
        """Write what appending made: leaves, stored nodes, the heads' new size and edge.
        Rows go to the driver as it takes them (COPY on PostgreSQL), as entries do."""
        leaf_rows: list[tuple[Any, ...]] = [leaf for g in grown for leaf in g.leaves]
        if not leaf_rows:
            return
        node_rows: list[tuple[Any, ...]] = [node for g in grown for node in g.nodes]
        head_rows = [(g.edge.size, g.edge.to_bytes(), g.tenant_id) for g in grown]
        if self.postgres:
            driver = conn.connection.driver_connection
            assert driver is not None
            with driver.cursor() as cursor:
                for table, types, rows in (
                    ("audit_leaves", _LEAF_TYPES, leaf_rows),
                    ("audit_nodes", _NODE_TYPES, node_rows),
                ):
                    if rows:
                        # Binary: a third less of the writer's time than text to encode.
                        with cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                            copy.set_types(types)
                            for row in rows:
                                copy.write_row(row)
                sizes, edges, ids = (list(column) for column in zip(*head_rows, strict=True))
                cursor.execute(_PG_UPDATE_HEADS, [ids, sizes, edges])
            return
        conn.exec_driver_sql("INSERT INTO audit_leaves VALUES (?, ?, ?, ?)", _hex_leaves(leaf_rows))
        if node_rows:
            conn.exec_driver_sql("INSERT INTO audit_nodes VALUES (?, ?, ?, ?)", _hex(node_rows))
        conn.exec_driver_sql(_UPDATE_HEAD, _hex(head_rows))

    def node_hashes(
        self, conn: Connection, tenant_id: uuid.UUID, wanted: Iterable[Node]
    ) -> dict[Node, bytes]:
        """The hash of every complete node in `wanted`, folded from the stored ones."""
        spans = stored_spans(wanted)
        # Explicit keys, not OR-ed ranges: each is one probe of the primary key on both
        # databases (SQLite scans the table for a long OR of ranges); on PostgreSQL all of
        # them in one prepared statement (an OR of 60 keys took longer to plan than to run).
        seqs = sorted({i for base, s, e in spans.values() if base == 0 for i in range(s, e)})
        pairs = sorted({(b, i) for b, s, e in spans.values() if b > 0 for i in range(s, e)})
        found = self._by_key(conn, tenant_id, seqs, pairs) if seqs or pairs else {}
        out: dict[Node, bytes] = {}
        for node, (base, start, end) in spans.items():
            try:
                out[node] = perfect([found[(base, i)] for i in range(start, end)])
            except KeyError as exc:
                raise LookupError(f"the tree of tenant {tenant_id} lacks node {node}") from exc
        return out

    def _by_key(
        self,
        conn: Connection,
        tenant_id: uuid.UUID,
        seqs: Sequence[int],
        pairs: Sequence[tuple[int, int]],
    ) -> dict[tuple[int, int], bytes]:
        """Stored hashes by key: leaves by `seq` (level 0), nodes by (level, index)."""
        if self.postgres:
            keys = {
                "tenant": tenant_id,
                "seqs": list(seqs),
                "levels": [level for level, _ in pairs],
                "idxs": [index for _, index in pairs],
            }
            rows = conn.exec_driver_sql(_PG_NODES, keys)
            return {(level, index): bytes(h) for level, index, h in rows}
        found: dict[tuple[int, int], bytes] = {}
        if seqs:
            query = select(leaves.c.seq, leaves.c.hash).where(
                leaves.c.tenant_id == tenant_id, leaves.c.seq.in_(seqs)
            )
            found.update(((0, row.seq), bytes(row.hash)) for row in conn.execute(query))
        if pairs:
            query = select(nodes.c.level, nodes.c.idx, nodes.c.hash).where(
                nodes.c.tenant_id == tenant_id, tuple_(nodes.c.level, nodes.c.idx).in_(pairs)
            )
            found.update(((row.level, row.idx), bytes(row.hash)) for row in conn.execute(query))
        return found

    def stored_hashes(
        self, conn: Connection, tenant_id: uuid.UUID, wanted: Iterable[Node]
    ) -> dict[Node, bytes]:
        """The hashes of stored nodes (leaves at level 0, or levels that are multiples of
        `NODE_STRIDE`), read as ranges of neighbours: an export's nodes come in runs. Many
        scattered runs are read by key instead (`node_hashes`)."""
        runs = _runs(wanted)
        if len(runs) > MAX_RUNS:
            return self.node_hashes(
                conn, tenant_id, [n for lvl, a, b in runs for n in _span(lvl, a, b)]
            )
        found: dict[Node, bytes] = {}
        for level, start, end in runs:
            if level == 0:
                query = select(leaves.c.seq, leaves.c.hash).where(
                    leaves.c.tenant_id == tenant_id, leaves.c.seq >= start, leaves.c.seq < end
                )
            else:
                query = select(nodes.c.idx, nodes.c.hash).where(
                    nodes.c.tenant_id == tenant_id,
                    nodes.c.level == level,
                    nodes.c.idx >= start,
                    nodes.c.idx < end,
                )
            found.update(((level, index), bytes(h)) for index, h in conn.execute(query))
        missing = [n for lvl, a, b in runs for n in _span(lvl, a, b) if n not in found]
        if missing:
            raise LookupError(f"the tree of tenant {tenant_id} lacks node {missing[0]}")
        return found

    def add_checkpoint(
        self,
        conn: Connection,
        tenant_id: uuid.UUID,
        size: int,
        root: bytes,
        note: str,
        at: datetime,
    ) -> None:
        """Store a checkpoint (the first of a size stays) and note it on the tenant's head."""
        row = {"tenant_id": tenant_id, "size": size, "root": root, "note": note, "created_at": at}
        conn.execute(self.insert(checkpoints).on_conflict_do_nothing(), [row])
        conn.execute(
            update(heads)
            .where(heads.c.tenant_id == tenant_id, heads.c.checkpointed < size)
            .values(checkpointed=size, checkpointed_at=at)
        )
