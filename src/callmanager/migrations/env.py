"""Alembic environment: runs migrations on the connection or URL the caller hands over."""

from __future__ import annotations

from sqlalchemy import Connection

from asgi_audit.store.alembic_env import run_migrations
from callmanager.db import make_engine
from callmanager.tables import include_name, target_metadata


def _options(connection: Connection) -> dict[str, object]:
    return {
        "target_metadata": target_metadata(),
        "include_name": include_name,
        "render_as_batch": connection.dialect.name == "sqlite",
    }


run_migrations(make_engine, _options)
