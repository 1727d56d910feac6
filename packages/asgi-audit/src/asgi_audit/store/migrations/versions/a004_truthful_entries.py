"""truthful entries: what a completed entry may still learn (its resource's id and name, the
changes an edit made)

Revision ID: a004_truthful_entries
Revises: a003_merkle_log
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

revision: str = "a004_truthful_entries"
down_revision: str | None = "a003_merkle_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
