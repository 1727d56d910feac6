"""retention: pruned entries keep their place in the log (issue 16)

Revision ID: a006_retention
Revises: a005_search_and_activity
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

revision: str = "a006_retention"
down_revision: str | None = "a005_search_and_activity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
