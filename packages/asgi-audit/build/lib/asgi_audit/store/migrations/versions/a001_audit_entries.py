"""audit entries: partitioned by month on PostgreSQL, with the list and search indexes

Revision ID: a001_audit_entries
Revises:
Create Date: 2026-11-25 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a001_audit_entries"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_READ = sa.text("action <> 'read'")
KEYS = ["occurred_at", "id"]


def upgrade() -> None:
    is_postgres = op.get_bind().dialect.name == "postgresql"
    if is_postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "audit_entries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=True),
        sa.Column("actor_email", sa.String(), nullable=True),
        sa.Column("actor_name", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("route", sa.String(), nullable=True),
        sa.Column("resource_type", sa.String(), nullable=True),
        sa.Column("resource_id", sa.String(), nullable=True),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("request", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.Column("response", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.Column("client_ip", sa.String(), nullable=True),
        sa.Column("user_agent", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "occurred_at", "id", name="pk_audit_entries"),
        postgresql_partition_by="RANGE (occurred_at)",
    )
    op.create_index(
        "ix_audit_entries_modifications",
        "audit_entries",
        ["tenant_id", *KEYS],
        postgresql_where=NOT_READ,
        sqlite_where=NOT_READ,
    )
    for column in ("action", "actor_id", "actor_email", "resource_type"):
        op.create_index(f"ix_audit_entries_{column}", "audit_entries", ["tenant_id", column, *KEYS])
    if is_postgres:
        op.execute(
            "CREATE INDEX ix_audit_entries_search ON audit_entries "
            "USING gin (lower((path || ' ') || summary) gin_trgm_ops)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE audit_search USING fts5(text, entry_id UNINDEXED, "
            "tokenize='trigram')"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_search AFTER INSERT ON audit_entries BEGIN "
            "INSERT INTO audit_search (text, entry_id) VALUES (new.path || ' ' || new.summary, "
            "new.id); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_search")
        op.execute("DROP TABLE IF EXISTS audit_search")
    op.drop_table("audit_entries")
