"""Fresh, migrated databases for tests: a SQLite file, or a PostgreSQL database of its own."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
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


_templates: dict[str, str] = {}
"""Per test process: a migrated SQLite file or PostgreSQL database that fresh ones copy."""


def _sqlite_template() -> Path:
    if "sqlite" not in _templates:
        directory = Path(tempfile.mkdtemp(prefix="cm-template-"))
        upgrade(sqlite_url(directory))
        _templates["sqlite"] = str(directory / "callmanager.db")
        atexit.register(shutil.rmtree, directory, True)
    return Path(_templates["sqlite"])


def _postgres_template(server_url: str) -> str:
    if "postgres" not in _templates:
        manager = postgres_database(server_url)
        url = manager.__enter__()
        upgrade(url)
        _templates["postgres"] = make_url(url).database or ""
        atexit.register(manager.__exit__, None, None, None)
    return _templates["postgres"]


@contextmanager
def migrated_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database of `kind` ('sqlite' or 'postgres') with every migration applied.

    Migrations run once per test process; each test gets a copy of that template.
    """
    if kind == "sqlite":
        shutil.copyfile(_sqlite_template(), tmp_path / "callmanager.db")
        yield sqlite_url(tmp_path)
        return
    server_url = postgres_url_or_skip()
    with postgres_database(server_url, template=_postgres_template(server_url)) as url:
        yield url
