"""the Merkle log: entries' seq, leaves, tree nodes, heads, checkpoints, signing keys; bodies as
`json` (exact text) on PostgreSQL; append-only triggers

Revision ID: a003_merkle_log
Revises: a002_failures_index
Create Date: 2026-11-30 03:30:00

Entries stored before this revision have no `seq`: the log's sealing appends them, oldest
first, like any entry left pending.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from asgi_audit.store.guards import drop_statements, guard_statements
from asgi_audit.store.tables import UTCDateTime

revision: str = "a003_merkle_log"
down_revision: str | None = "a002_failures_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("seq IS NULL")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("audit_entries", sa.Column("seq", sa.BigInteger(), nullable=True))
    if dialect == "postgresql":
        for column in ("request", "response"):
            op.execute(
                f"ALTER TABLE audit_entries ALTER COLUMN {column} TYPE json "
                f"USING {column}::text::json"
            )
    op.create_index("ix_audit_entries_seq", "audit_entries", ["tenant_id", "seq"])
    op.create_index(
        "ix_audit_entries_pending",
        "audit_entries",
        ["occurred_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_table(
        "audit_leaves",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "seq", name="pk_audit_leaves"),
    )
    op.create_table(
        "audit_nodes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "level", "idx", name="pk_audit_nodes"),
    )
    op.create_table(
        "audit_heads",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("edge", sa.LargeBinary(), nullable=False),
        sa.Column("checkpointed", sa.BigInteger(), nullable=False),
        sa.Column("checkpointed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_audit_heads"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "size", name="pk_audit_checkpoints"),
    )
    op.create_table(
        "audit_signing_keys",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", "key_id", name="pk_audit_signing_keys"),
    )
    op.create_table(
        "audit_deletion_grants",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("before", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "before", name="pk_audit_deletion_grants"),
    )
    for statement in guard_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(dialect):
        op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_entries_guard()")
        op.execute("DROP FUNCTION IF EXISTS audit_frozen()")
    for table in (
        "audit_deletion_grants",
        "audit_signing_keys",
        "audit_checkpoints",
        "audit_heads",
        "audit_nodes",
        "audit_leaves",
    ):
        op.drop_table(table)
    op.drop_index("ix_audit_entries_pending", table_name="audit_entries")
    op.drop_index("ix_audit_entries_seq", table_name="audit_entries")
    if dialect == "postgresql":
        for column in ("request", "response"):
            op.execute(
                f"ALTER TABLE audit_entries ALTER COLUMN {column} TYPE jsonb USING {column}::jsonb"
            )
    op.drop_column("audit_entries", "seq")
