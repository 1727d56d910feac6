"""Applying the audit store's own Alembic migrations (version table `audit_alembic_version`).

The audit store may live in a database of its own, so its schema has its own history.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "audit_alembic_version"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the audit tables in the database at `url` up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def is_audit_table(name: str) -> bool:
    """Whether a table belongs to the audit store's schema proper (not a partition, FTS shadow
    table or the version table), i.e. whether autogenerate should compare it."""
    from asgi_audit.store.tables import metadata

    return name in metadata.tables
