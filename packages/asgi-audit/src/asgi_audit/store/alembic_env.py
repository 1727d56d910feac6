"""The body of an Alembic `env.py`, shared by the audit store's migrations and its host's.

Migrations run on the connection the caller handed over in `config.attributes["connection"]`
(so they join the caller's transaction), or else on a connection to the configured URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine


def run_migrations(
    make_engine: Callable[[str], Engine], options: Callable[[Connection], dict[str, Any]]
) -> None:
    """Run the current Alembic context's migrations, configured with `options(connection)`."""
    config = context.config

    def run(connection: Connection) -> None:
        context.configure(connection=connection, compare_type=True, **options(connection))
        with context.begin_transaction():
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            run(conn)
    finally:
        engine.dispose()
