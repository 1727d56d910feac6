"""Benchmark databases: SQLite files under the data directory, PostgreSQL databases `cm_bench_*`.

Throwaway databases are dropped when their block ends; named datasets are kept (and reused) until
`python -m benchmarks --clean`.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.config import DATA_DIR
from callmanager.migrate import upgrade

PREFIX = "cm_bench_"
KINDS = ("sqlite", "postgres")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a benchmark may create databases of each kind."""

    data_dir: Path
    postgres_server: str | None
    """None when PostgreSQL is unreachable: its rows are skipped."""
    namespace: str = ""
    """Prefixes the names of PostgreSQL databases, shared by every run on the server, as the
    data directory separates SQLite files: runs with other data directories (the test suite's,
    two at once) never build, reuse or drop each other's datasets."""

    def _pg_name(self, name: str) -> str:
        return f"{PREFIX}{self.namespace}{name}"

    def kinds(self, wanted: tuple[str, ...]) -> list[str]:
        return [k for k in wanted if k == "sqlite" or self.postgres_server is not None]

    def url(self, kind: str, name: str) -> str:
        """The URL of the database `name` of `kind` (which may not exist yet)."""
        if kind == "sqlite":
            self.data_dir.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{(self.data_dir / f'{PREFIX}{name}.db').resolve()}"
        assert self.postgres_server is not None
        url = make_url(self.postgres_server).set(database=self._pg_name(name))
        return url.render_as_string(hide_password=False)

    def exists(self, kind: str, name: str) -> bool:
        if kind == "sqlite":
            return (self.data_dir / f"{PREFIX}{name}.db").exists()
        with _admin(self) as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self._pg_name(name)}
            ).first()
        return found is not None

    def create(self, kind: str, name: str) -> str:
        """An empty database `name`, replacing any of that name; returns its URL."""
        self.drop(kind, name)
        if kind == "postgres":
            with _admin(self) as conn:
                conn.execute(text(f'CREATE DATABASE "{self._pg_name(name)}"'))
        return self.url(kind, name)

    def drop(self, kind: str, name: str) -> None:
        if kind == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                (self.data_dir / f"{PREFIX}{name}.db{suffix}").unlink(missing_ok=True)
            return
        with _admin(self) as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self._pg_name(name)}" WITH (FORCE)'))

    def drop_all(self) -> list[str]:
        """Remove every benchmark database and file; returns what was removed."""
        removed = []
        if self.data_dir.exists():
            for path in sorted(self.data_dir.glob(f"{PREFIX}*")):
                path.unlink()
                removed.append(str(path))
        if self.postgres_server is not None:
            with _admin(self) as conn:
                names = conn.execute(
                    text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                    {"p": self._pg_name("").replace("_", "\\_") + "%"},
                ).scalars()
                for name in list(names):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    removed.append(f"postgres:{name}")
        return removed

    @contextlib.contextmanager
    def scratch(self, kind: str, label: str, *, migrate: bool = True) -> Iterator[str]:
        """A throwaway database (migrated unless told otherwise), dropped afterwards."""
        name = f"{label}_{uuid.uuid4().hex[:8]}"
        url = self.create(kind, name)
        try:
            if migrate:
                upgrade(url)
            yield url
        finally:
            self.drop(kind, name)


def find_target(data_dir: Path, postgres_server: str) -> tuple[Target, str | None]:
    """The target, and why PostgreSQL is skipped (None if it is reachable)."""
    try:
        engine = create_engine(postgres_server)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip PostgreSQL, say why
        return Target(data_dir, None), f"PostgreSQL unreachable at {postgres_server}: {exc}"
    return Target(data_dir, postgres_server, namespace_of(data_dir)), None


def namespace_of(data_dir: Path) -> str:
    """Nothing for the default data directory (its datasets keep their names); for any other, a
    short digest of its path."""
    if data_dir.resolve() == DATA_DIR.resolve():
        return ""
    return hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:8] + "_"


@contextlib.contextmanager
def _admin(target: Target) -> Iterator[Connection]:
    assert target.postgres_server is not None
    engine = create_engine(target.postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
