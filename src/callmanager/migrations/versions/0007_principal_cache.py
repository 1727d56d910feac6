"""principal cache revocation (issue 14)

Revision ID: 0007_principal_cache
Revises: 0006_audit_retention
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0007_principal_cache"
down_revision: str | None = "0006_audit_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
