"""audit log streams (issue 15)

Revision ID: 0004_audit_streams
Revises: 0003_login_attempts
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0004_audit_streams"
down_revision: str | None = "0003_login_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
