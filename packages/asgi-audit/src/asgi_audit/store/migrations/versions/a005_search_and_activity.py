"""searching actors and resources, and the log's activity by period: free-text search over the
actor and the resource's name too (PostgreSQL's trigram index and SQLite's FTS5 table rebuilt
over the rows already stored), an index for the history of one thing, one covering the
activity chart's counts, and their rollup (`audit_activity`, counting the entries stored)

Revision ID: a005_search_and_activity
Revises: a004_truthful_entries
Create Date: 2026-11-30 06:00:00

The searched text is what `asgi_audit.store.tables` declares (`SEARCH_COLUMNS`), so the index
built here is the one the store's queries use.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from asgi_audit.store.rollup import Counts
from asgi_audit.store.tables import (
    POSTGRES_SEARCH_DDL,
    SEARCH_INDEX,
    SQLITE_SEARCH_DDL,
    SQLITE_SEARCH_FILL,
)

revision: str = "a005_search_and_activity"
down_revision: str | None = "a004_truthful_entries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ["occurred_at", "id"]
OLD_SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_entries_search AFTER INSERT ON audit_entries BEGIN "
    "INSERT INTO audit_search (text, entry_id) VALUES (new.path || ' ' || new.summary, new.id); "
    "END"
)
OLD_POSTGRES_INDEX = (
    f"CREATE INDEX {SEARCH_INDEX} ON audit_entries "
    "USING gin (lower((path || ' ') || summary) gin_trgm_ops)"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audit_activity",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id",
            "slot",
            "action",
            "category",
            "actor_type",
            name="pk_audit_activity",
            # The count rides in the key on PostgreSQL, so a month is read by an index-only
            # scan; on SQLite the table is its key (`WITHOUT ROWID`).
            postgresql_include=["count"],
        ),
        sqlite_with_rowid=False,
    )
    op.execute(Counts(dialect).fill())
    op.create_index(
        "ix_audit_entries_resource",
        "audit_entries",
        ["tenant_id", "resource_type", "resource_id", *KEYS],
    )
    op.create_index(
        "ix_audit_entries_activity",
        "audit_entries",
        ["tenant_id", "occurred_at", "action", "status", "outcome"],
    )
    if dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
        op.execute(POSTGRES_SEARCH_DDL)
    else:
        _drop_sqlite_search()
        for statement in SQLITE_SEARCH_DDL:
            op.execute(statement)
        op.execute(SQLITE_SEARCH_FILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
        op.execute(OLD_POSTGRES_INDEX)
    else:
        _drop_sqlite_search()
        op.execute(
            "CREATE VIRTUAL TABLE audit_search USING fts5(text, entry_id UNINDEXED, "
            "tokenize='trigram')"
        )
        op.execute(OLD_SQLITE_TRIGGER)
        op.execute(
            "INSERT INTO audit_search (text, entry_id) "
            "SELECT path || ' ' || summary, id FROM audit_entries"
        )
    op.drop_index("ix_audit_entries_activity", table_name="audit_entries")
    op.drop_index("ix_audit_entries_resource", table_name="audit_entries")
    op.drop_table("audit_activity")


def _drop_sqlite_search() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_entries_search_final")
    op.execute("DROP TRIGGER IF EXISTS audit_entries_search")
    op.execute("DROP TABLE IF EXISTS audit_search")
