"""leases for scheduled tasks (issue 16)

Revision ID: 0005_task_leases
Revises: 0004_audit_streams
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0005_task_leases"
down_revision: str | None = "0004_audit_streams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
