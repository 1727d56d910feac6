"""What `callmanager audit stats` reports of the audit store: entries in the log by month and
action (from the activity rollup, so a year reads quickly), the store's size on disk, the
oldest entry kept, and how recent the checkpoints are."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select, text

from asgi_audit.store.sql import make_audit_engine
from asgi_audit.store.tables import activity, entries, heads


@dataclass
class AuditStats:
    by_month: dict[str, dict[str, int]] = field(default_factory=dict)
    """`YYYY-MM` (UTC) → action → entries in the log (pending ones not yet counted)."""
    store_bytes: int | None = None
    """The audit store on disk (every tenant's: tables, partitions and indexes)."""
    oldest: datetime | None = None
    checkpoint_age_s: float | None = None
    """Seconds since the most recent checkpoint (of the tenant, or of any)."""
    behind: int = 0
    """Logs grown past their latest checkpoint (the notary catches up within its interval)."""


def gather(url: str, tenant_id: uuid.UUID | None = None) -> AuditStats:
    engine = make_audit_engine(url)
    try:
        with engine.connect() as conn:
            age, behind = _checkpoints(conn, tenant_id)
            return AuditStats(
                by_month=_by_month(conn, tenant_id),
                store_bytes=_store_bytes(conn),
                oldest=_oldest(conn, tenant_id),
                checkpoint_age_s=age,
                behind=behind,
            )
    finally:
        engine.dispose()


def _by_month(conn: Connection, tenant_id: uuid.UUID | None) -> dict[str, dict[str, int]]:
    query = select(activity.c.slot, activity.c.action, func.sum(activity.c.count)).group_by(
        activity.c.slot, activity.c.action
    )
    if tenant_id is not None:
        query = query.where(activity.c.tenant_id == tenant_id)
    months: dict[str, dict[str, int]] = {}
    for slot, action, count in conn.execute(query):
        month = datetime.fromtimestamp(slot, UTC).strftime("%Y-%m")
        counts = months.setdefault(month, {})
        counts[action] = counts.get(action, 0) + int(count)
    return months


def _store_bytes(conn: Connection) -> int | None:
    if conn.dialect.name == "postgresql":
        size = conn.execute(
            text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND c.relname LIKE 'audit%' "
                "AND n.nspname = current_schema()"
            )
        ).scalar()
        return int(size) if size is not None else None
    if conn.dialect.name == "sqlite":  # the whole file: it may hold the domain tables too
        pages = conn.execute(text("PRAGMA page_count")).scalar()
        page_size = conn.execute(text("PRAGMA page_size")).scalar()
        return int(pages or 0) * int(page_size or 0)
    return None


def _oldest(conn: Connection, tenant_id: uuid.UUID | None) -> datetime | None:
    query = select(func.min(entries.c.occurred_at))
    if tenant_id is not None:
        query = query.where(entries.c.tenant_id == tenant_id)
    oldest: datetime | None = conn.execute(query).scalar()
    return oldest


def _checkpoints(conn: Connection, tenant_id: uuid.UUID | None) -> tuple[float | None, int]:
    """Seconds since the latest checkpoint, and how many logs grew past theirs."""
    latest = select(
        func.max(heads.c.checkpointed_at),
        func.count().filter(heads.c.size > heads.c.checkpointed),
    )
    if tenant_id is not None:
        latest = latest.where(heads.c.tenant_id == tenant_id)
    at, behind = conn.execute(latest).one()
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - at).total_seconds() if at is not None else None
    return age, int(behind or 0)
