"""searching actors and resources, and the log's activity by period

Revision ID: a005_search_and_activity
Revises: a004_truthful_entries
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

revision: str = "a005_search_and_activity"
down_revision: str | None = "a004_truthful_entries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
