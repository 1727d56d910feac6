"""audit entries: a partial index for the failed calls (status 4xx and 5xx)

Revision ID: a002_failures_index
Revises: a001_audit_entries
Create Date: 2026-11-25 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a002_failures_index"
down_revision: str | None = "a001_audit_entries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FAILED = sa.text("status >= 400")


def upgrade() -> None:
    op.create_index(
        "ix_audit_entries_failures",
        "audit_entries",
        ["tenant_id", "occurred_at", "id"],
        postgresql_where=FAILED,
        sqlite_where=FAILED,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_entries_failures", table_name="audit_entries")
