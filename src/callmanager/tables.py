"""Every domain table the migrations manage (the audit engine keeps its own migrations)."""

from __future__ import annotations

from sqlalchemy import MetaData


def target_metadata() -> MetaData:
    """The metadata Alembic compares against; importing the domain registers every model."""
    from callmanager import domain  # noqa: F401  (registers the domain models on Base)
    from callmanager.db import Base

    return Base.metadata


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Leave the audit engine's tables (and their partitions) to its own migrations."""
    return not (type_ == "table" and name is not None and name.startswith("audit"))
