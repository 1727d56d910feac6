"""Applying the Alembic migrations that ship in the package: the domain's and the audit store's."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import asgi_audit as audit

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", *, audit_url: str | None = None) -> None:
    """Bring the domain tables at `url` up to `revision`, and the audit tables (at `audit_url`,
    by default the same database) up to their head."""
    command.upgrade(alembic_config(url), revision)
    audit.upgrade(audit_url or url)
