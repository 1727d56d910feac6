"""Alembic environment of the audit store: only its own tables, its own version table."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from asgi_audit.store.schema import VERSION_TABLE, is_audit_table
from asgi_audit.store.sql import make_audit_engine
from asgi_audit.store.tables import metadata

config = context.config


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    return type_ != "table" or (name is not None and is_audit_table(name))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_audit_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
