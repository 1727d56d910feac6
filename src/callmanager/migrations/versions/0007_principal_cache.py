"""principal cache revocation (issue 14)

`principal_epoch` holds one counter that every change able to shrink a caller's rights moves
forward in the same transaction: a session or API token revoked, expired early or deleted; a
membership added, changed or removed; a user changed or deleted. Database triggers move it, so no
code path (the API, the command line, a cascade) can forget to. A server process caches resolved
principals only with the counter they were read under and checks it on every request.

On PostgreSQL the triggers are deferred constraint triggers: the counter's row is locked at
commit, last, so two revoking transactions can wait for each other but never deadlock.

Revision ID: 0007_principal_cache
Revises: 0006_audit_retention
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_principal_cache"
down_revision: str | None = "0006_audit_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE principal_epoch SET value = value + 1 WHERE id = 1"
WATCHED = {
    # table: the events that may take rights away (a login's INSERT into sessions does not)
    "sessions": ("UPDATE OF revoked_at, expires_at, user_id, tenant_id", "DELETE"),
    "api_tokens": ("UPDATE OF revoked_at, expires_at, user_id", "DELETE"),
    "memberships": ("INSERT", "UPDATE", "DELETE"),
    "users": ("UPDATE", "DELETE"),
}


def _trigger(table: str, event: str) -> str:
    return f"principal_epoch_{table}_{event.split()[0].lower()}"


def upgrade() -> None:
    op.create_table(
        "principal_epoch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principal_epoch")),
    )
    op.execute("INSERT INTO principal_epoch (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION principal_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table, events in WATCHED.items():
            for event in events:
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER {_trigger(table, event)} AFTER {event} ON {table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    "EXECUTE FUNCTION principal_epoch_bump()"
                )
        return
    for table, events in WATCHED.items():
        for event in events:
            op.execute(
                f"CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, events in WATCHED.items():
        for event in events:
            on = f" ON {table}" if postgres else ""
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, event)}{on}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS principal_epoch_bump()")
    op.drop_table("principal_epoch")
