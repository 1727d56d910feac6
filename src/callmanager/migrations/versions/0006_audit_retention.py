"""per-tenant audit retention (issue 16)

Revision ID: 0006_audit_retention
Revises: 0005_task_leases
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0006_audit_retention"
down_revision: str | None = "0005_task_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
