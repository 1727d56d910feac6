"""leases for scheduled tasks (issue 16)

Revision ID: 0005_task_leases
Revises: 0004_audit_streams
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_task_leases"
down_revision: str | None = "0004_audit_streams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_leases",
        sa.Column("task", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("task", "day", name=op.f("pk_task_leases")),
    )


def downgrade() -> None:
    op.drop_table("task_leases")
