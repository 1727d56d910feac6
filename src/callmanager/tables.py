"""Every table the migrations manage: the domain's declarative models and the audit engine's."""

from __future__ import annotations

from sqlalchemy import MetaData


def target_metadata() -> list[MetaData]:
    """All metadata Alembic compares against; importing the model modules registers them."""
    from callmanager import domain  # noqa: F401  (registers the domain models on Base)
    from callmanager.db import Base

    metadatas = [Base.metadata]
    try:
        from callmanager.audit.store.tables import metadata as audit_metadata
    except ImportError:  # the audit store lands in its own change
        return metadatas
    return [*metadatas, audit_metadata]
