"""Fixtures of the audit store's integration tests: a real store on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from asgi_audit import SqlAuditStore


@pytest.fixture
def store(database_url: str) -> Iterator[SqlAuditStore]:
    """A `SqlAuditStore` on a freshly migrated SQLite or PostgreSQL database."""
    store = SqlAuditStore.from_url(database_url)
    store.prepare()
    yield store
    store.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
