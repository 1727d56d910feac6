"""PostgreSQL connections are pinged only when idle: no round trip per request, and a database
that closed them (as a restart does) still finds every later request a working connection."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from asgi_audit.store import liveness
from asgi_audit.store.liveness import ping_when_idle
from asgi_audit.store.sql import make_audit_engine
from callmanager.db import make_engine
from tests.databases import postgres_database, postgres_url_or_skip


@pytest.fixture
def url() -> Iterator[str]:
    with postgres_database(postgres_url_or_skip()) as database:
        yield database


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every ping sent, counted (and still sent)."""
    sent: list[Any] = []
    real = liveness._ping

    def counted(dbapi_connection: Any) -> None:
        sent.append(dbapi_connection)
        real(dbapi_connection)

    monkeypatch.setattr(liveness, "_ping", counted)
    return sent


def backend(engine: Engine) -> int:
    with engine.connect() as conn:
        pid: int = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return pid


def close_from_the_server(url: str, pid: int) -> None:
    """What a restart does to a pooled connection: the server side goes away."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()


@pytest.mark.parametrize("make", [make_engine, make_audit_engine])
def test_back_to_back_requests_send_no_ping(url: str, pings: list[Any], make: Any) -> None:
    engine = make(url)
    try:
        assert not engine.pool._pre_ping, "a ping per checkout is what this replaces"
        first = backend(engine)
        for _ in range(5):
            assert backend(engine) == first, "the most recently used connection comes back"
        assert pings == []
    finally:
        engine.dispose()


def test_a_connection_idle_a_while_is_pinged_before_use(url: str, pings: list[Any]) -> None:
    engine = ping_when_idle(create_engine(url, pool_use_lifo=True), idle_s=0.05)
    try:
        backend(engine)
        time.sleep(0.1)
        backend(engine)
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_an_idle_connection_the_database_closed_is_replaced_before_the_caller_gets_it(
    url: str,
) -> None:
    engine = ping_when_idle(create_engine(url, pool_use_lifo=True), idle_s=0.05)
    try:
        closed = backend(engine)
        close_from_the_server(url, closed)
        time.sleep(0.1)
        assert backend(engine) != closed
    finally:
        engine.dispose()


def test_a_warm_connection_the_database_closed_fails_once_and_the_pool_starts_afresh(
    url: str,
) -> None:
    """Used a moment before the server went away: that one call fails (as a call in flight
    during a restart does), and every connection opened before it is replaced."""
    engine = ping_when_idle(create_engine(url, pool_use_lifo=True), idle_s=60)
    try:
        with engine.connect() as a, engine.connect() as b:  # two pooled connections
            pids = [conn.execute(text("SELECT pg_backend_pid()")).scalar_one() for conn in (a, b)]
        for pid in pids:
            close_from_the_server(url, pid)
        with pytest.raises(DBAPIError) as failed:
            backend(engine)
        assert failed.value.connection_invalidated
        assert backend(engine) not in pids
        assert backend(engine) not in pids
    finally:
        engine.dispose()
