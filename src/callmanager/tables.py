"""Every domain table the migrations manage (the audit engine keeps its own migrations)."""

from __future__ import annotations

from sqlalchemy import MetaData


def target_metadata() -> MetaData:
    """The metadata Alembic compares against; importing the domain registers every model."""
    from callmanager import domain  # noqa: F401  (registers the domain models on Base)
    from callmanager.db import Base

    return Base.metadata
