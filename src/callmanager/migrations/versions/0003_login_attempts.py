"""login attempts counted per account and per client address

Replaces `login_failures` (failures per email, counted after the password check) with
`login_attempts` (attempts per scope and subject, counted before it); counts carry over.

Revision ID: 0003_login_attempts
Revises: 0002_callflows_calllogs
Create Date: 2026-11-29 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_login_attempts"
down_revision: str | None = "0002_callflows_calllogs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=320), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject", name=op.f("pk_login_attempts")),
    )
    op.execute(
        "INSERT INTO login_attempts (scope, subject, attempts, last_attempt_at) "
        "SELECT 'account', email, count, last_failed_at FROM login_failures"
    )
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_login_failures")),
    )
    op.execute(
        "INSERT INTO login_failures (email, count, last_failed_at) "
        "SELECT subject, attempts, last_attempt_at FROM login_attempts WHERE scope = 'account'"
    )
    op.drop_table("login_attempts")
