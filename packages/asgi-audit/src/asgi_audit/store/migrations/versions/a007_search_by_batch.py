"""free-text search on SQLite: a batch's final entries indexed by one statement, not a trigger

Revision ID: a007_search_by_batch
Revises: a006_retention
Create Date: 2026-12-02 12:00:00

The `AFTER INSERT` trigger indexed each final entry in the FTS5 table as its row was inserted;
the writer now indexes a batch's final entries with one `INSERT … SELECT` after its `INSERT`s
(`tables.SQLITE_SEARCH_ADDED`, run by `store/bulk.py`'s `insert_sqlite`). The trigger for
entries that become final later (`audit_entries_search_final`) stays. PostgreSQL's trigram
index is unchanged.
"""

from collections.abc import Sequence

from alembic import op

from asgi_audit.store.tables import SQLITE_SEARCH_INSERT_TRIGGER, SQLITE_SEARCH_INSERT_TRIGGER_DDL

revision: str = "a007_search_by_batch"
down_revision: str | None = "a006_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {SQLITE_SEARCH_INSERT_TRIGGER}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_SEARCH_INSERT_TRIGGER_DDL)
