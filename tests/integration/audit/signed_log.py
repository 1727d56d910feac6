"""A tenant's signed log in a real store, for the verification tests: entries written through
the store, checkpoints signed by a `Notary` after each batch, and the attacker's tools (the
append-only triggers dropped, the tree tables recomputed from whatever the entries now say)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import Connection, delete, select, text

from asgi_audit import ENTRY, AuditEvent, Body, SqlAuditStore, canonical_bytes
from asgi_audit.notary import Notary
from asgi_audit.store.guards import drop_statements
from asgi_audit.store.tables import c, checkpoints, entries, heads, leaves, nodes
from asgi_audit.store.tree import Appender, TreeTables
from asgi_audit.store.verify import Kept, LogVerifier
from asgi_audit.testing import make_event
from asgi_audit.tlog.findings import Report
from asgi_audit.tlog.note import Signer

ORIGIN_HOST = "audit.test.example"


def origin(tenant: uuid.UUID) -> str:
    return f"{ORIGIN_HOST}/tenants/{tenant}/audit-log"


@dataclass
class SignedLog:
    store: SqlAuditStore
    tenant: uuid.UUID = field(default_factory=uuid.uuid4)
    signer: Signer = field(default_factory=lambda: Signer.generate(ORIGIN_HOST))

    def __post_init__(self) -> None:
        self.notary = Notary(self.store, self.signer, origin, interval=0)
        self.start = datetime.now(UTC) - timedelta(hours=2)
        self.written = 0

    def grow(self, sizes: Sequence[int]) -> None:
        """Write entries in batches so that a checkpoint is signed at each of `sizes`."""
        for size in sizes:
            events = [self.event(i) for i in range(self.written, size)]
            self.store.write(events, [])
            self.written = size
            self.notary.run_once()

    def event(self, i: int, **overrides: object) -> AuditEvent:
        body = Body("application/json", 30, is_json=True, json={"name": f"Group {i}", "n": i})
        kwargs: dict[str, object] = {
            "occurred_at": self.start + timedelta(seconds=i),
            "summary": f"Created group 'Group {i}'",
            "request": body,
        }
        kwargs.update(overrides)
        return make_event(self.tenant, **kwargs)  # type: ignore[arg-type]

    def verify(self, kept: Kept | None = None) -> Report:
        verifier = LogVerifier(self.store.engine, self.notary.trusted, origin, batch=16)
        return verifier.verify(self.tenant, kept)

    def entry_at(self, conn: Connection, seq: int) -> AuditEvent:
        row = conn.execute(select(entries).where(c.tenant_id == self.tenant, c.seq == seq)).one()
        return ENTRY.from_columns(row._mapping)


def without_guards(conn: Connection) -> None:
    """What an attacker with the database's owner rights does first."""
    for statement in drop_statements(conn.dialect.name):
        conn.execute(text(statement))


def rebuild_tree(conn: Connection, tenant: uuid.UUID) -> None:
    """Recompute the tenant's leaves, nodes and head from its entries as they now stand."""
    conn.execute(delete(leaves).where(leaves.c.tenant_id == tenant))
    conn.execute(delete(nodes).where(nodes.c.tenant_id == tenant))
    conn.execute(delete(heads).where(heads.c.tenant_id == tenant))
    tree = TreeTables(conn.dialect.name)
    log = Appender(tree.lock(conn, [tenant]))
    rows = conn.execute(
        select(entries).where(c.tenant_id == tenant, c.seq.is_not(None)).order_by(c.seq)
    )
    for row in rows:
        log.append(ENTRY.from_columns(row._mapping))
    tree.save(conn, log.changed())


def drop_checkpoints_above(conn: Connection, tenant: uuid.UUID, size: int) -> None:
    conn.execute(
        delete(checkpoints).where(checkpoints.c.tenant_id == tenant, checkpoints.c.size > size)
    )


def export_lines(log: SignedLog, start: int = 0, end: int | None = None) -> list[bytes]:
    """A JSON Lines export of the seq range [start, end) as the export contract writes it:
    whole entries with `leaf` and `inclusion_path`, then the trailer with the latest checkpoint."""
    latest = log.store.checkpoint(log.tenant)
    assert latest is not None
    size = latest.size
    stop = size if end is None else min(end, size)
    lines = []
    for batch in log.store.leaves(log.tenant, start, stop, 100):
        for leaf in batch:
            assert leaf.entry is not None
            item = ENTRY.to_json(leaf.entry)
            item["leaf"] = base64.b64encode(canonical_bytes(leaf.entry)).decode()
            path = log.store.inclusion_proof(log.tenant, leaf.seq, size)
            item["inclusion_path"] = [base64.b64encode(h).decode() for h in path]
            lines.append(orjson.dumps(item))
    span = None if end is None else {"start": start, "end": stop}
    trailer = {"checkpoint": latest.note, "tree_size": size, "range": span}
    return [*lines, orjson.dumps(trailer)]
