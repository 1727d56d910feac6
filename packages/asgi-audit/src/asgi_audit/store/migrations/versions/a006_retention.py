"""retention: pruned entries keep their place in the log (issue 16)

Revision ID: a006_retention
Revises: a005_search_and_activity
Create Date: 2026-11-30 09:00:00

`audit_retention` holds each pruned tenant's retention mark (`store/retention.py`): a leaf
whose entry is gone is pruned when its entry occurred before the mark, missing otherwise. The
leaves, nodes and checkpoints already outlive their entries (append-only), and the entries'
delete trigger already allows the deletion grant's path alone (`store/guards.py`). On SQLite,
`audit_search_ids` maps each entry to its row of the FTS5 table, so an entry's searched text
goes with it (filled here for the rows indexed before). Triggers keep the marks honest: a
mark and its count only grow, and none is removed (`store/guards.py`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from asgi_audit.store.guards import retention_drop_statements, retention_guard_statements
from asgi_audit.store.tables import SQLITE_SEARCH_IDS, SQLITE_SEARCH_IDS_DDL, UTCDateTime

revision: str = "a006_retention"
down_revision: str | None = "a005_search_and_activity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_SEARCH_TRIGGERS_BEFORE = (
    "DROP TRIGGER IF EXISTS audit_entries_search",
    "DROP TRIGGER IF EXISTS audit_entries_search_final",
)


def upgrade() -> None:
    op.create_table(
        "audit_retention",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("before", UTCDateTime(), nullable=False),
        sa.Column("pruned", sa.BigInteger(), nullable=False),
        sa.Column("pruned_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_audit_retention"),
    )
    for statement in retention_guard_statements(op.get_bind().dialect.name):
        op.execute(statement)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_IDS_DDL:
            op.execute(statement)


def downgrade() -> None:
    for statement in retention_drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    if op.get_bind().dialect.name == "sqlite":
        from asgi_audit.store.tables import SQLITE_SEARCH_DDL

        for statement in SQLITE_SEARCH_TRIGGERS_BEFORE:
            op.execute(statement)
        for statement in SQLITE_SEARCH_DDL[1:]:
            op.execute(statement)
        op.execute(f"DROP TABLE IF EXISTS {SQLITE_SEARCH_IDS}")
    op.drop_table("audit_retention")
