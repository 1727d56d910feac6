"""Fresh, migrated databases for tests: a SQLite file, or a PostgreSQL database of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from callmanager.migrate import upgrade

POSTGRES_URL_VAR = "CALLMANAGER_TEST_POSTGRES_URL"


def postgres_url_or_skip() -> str:
    """The server URL tests may create databases on; skips (or fails in CI) without one."""
    url = os.environ.get(POSTGRES_URL_VAR, "")
    if url:
        return url
    if os.environ.get("CALLMANAGER_REQUIRE_POSTGRES"):
        pytest.fail(f"{POSTGRES_URL_VAR} is required here but not set")
    pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_VAR} (set by .ci/run)")


@contextmanager
def postgres_database(server_url: str, template: str | None = None) -> Iterator[str]:
    """Create a throwaway database on the server (from `template` if given) and drop it after."""
    name = f"cm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            clause = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'callmanager.db'}"


@contextmanager
def migrated_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database of `kind` ('sqlite' or 'postgres') with every migration applied."""
    if kind == "sqlite":
        url = sqlite_url(tmp_path)
        upgrade(url)
        yield url
        return
    with postgres_database(postgres_url_or_skip()) as url:
        upgrade(url)
        yield url
