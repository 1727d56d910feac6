"""per-tenant audit retention (issue 16)

Revision ID: 0006_audit_retention
Revises: 0005_task_leases
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_audit_retention"
down_revision: str | None = "0005_task_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every tenant keeps 400 days (`domain/tenants/retention.py`) until an Owner says otherwise.
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(
            sa.Column("audit_retention_days", sa.Integer(), server_default="400", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("audit_retention_days")
