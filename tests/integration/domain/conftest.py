"""A session factory on each database, and a tenant to work in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from callmanager.db import make_engine, make_session_factory
from callmanager.domain.tenants.service import create_tenant


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def new_tenant(sessions: sessionmaker[Session], name: str, time_zone: str = "UTC") -> uuid.UUID:
    with sessions() as db:
        tenant = create_tenant(db, name, time_zone)
        db.commit()
        return tenant.id


@pytest.fixture
def tenant_id(sessions: sessionmaker[Session]) -> uuid.UUID:
    return new_tenant(sessions, "Contoso", "Europe/London")
