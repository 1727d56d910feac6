"""Alembic environment of the audit store: only its own tables, its own version table."""

from __future__ import annotations

from sqlalchemy import Connection

from asgi_audit.store.alembic_env import run_migrations
from asgi_audit.store.schema import VERSION_TABLE, is_audit_table
from asgi_audit.store.sql import make_audit_engine
from asgi_audit.store.tables import metadata


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    return type_ != "table" or (name is not None and is_audit_table(name))


def _options(_connection: Connection) -> dict[str, object]:
    return {
        "target_metadata": metadata,
        "version_table": VERSION_TABLE,
        "include_name": include_name,
    }


run_migrations(make_audit_engine, _options)
