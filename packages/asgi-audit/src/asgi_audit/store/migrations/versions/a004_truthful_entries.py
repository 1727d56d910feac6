"""truthful entries: what a completed entry may still learn (its resource's id and name, the
changes an edit made)

Revision ID: a004_truthful_entries
Revises: a003_merkle_log
Create Date: 2026-11-30 06:00:00

`resource_name` and `changes` are new, null for every entry stored before (and left out of an
entry's JSON while null, so those entries' leaves are unchanged). The append-only triggers are
made again from the record: `resource_id`, `resource_name` and `changes` may now be set while an
entry waits for its outcome (a create learns its id from the response).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from asgi_audit.store.guards import drop_statements, fixed_columns, guard_statements

revision: str = "a004_truthful_entries"
down_revision: str | None = "a003_merkle_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_COLUMNS = ("resource_name", "changes")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(dialect):
        op.execute(statement)
    op.add_column("audit_entries", sa.Column("resource_name", sa.String(), nullable=True))
    op.add_column("audit_entries", sa.Column("changes", sa.JSON(), nullable=True))
    for statement in guard_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(dialect):
        op.execute(statement)
    for column in reversed(NEW_COLUMNS):
        op.drop_column("audit_entries", column)
    # As a003 made them: the resource's id was fixed once stored.
    fixed = [c for c in fixed_columns() if c not in NEW_COLUMNS]
    fixed.insert(fixed.index("resource_type") + 1, "resource_id")
    for statement in guard_statements(dialect, fixed):
        op.execute(statement)
