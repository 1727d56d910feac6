"""An authenticated call does its synchronous database work in one worker-thread hop: its
principal comes from the cache without one, and its endpoint runs with its commit in one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from psycopg.pq import TransactionStatus
from sqlalchemy import event

from callmanager.auth.principal import Role
from callmanager.services import Services
from tests.conftest import LoginAs

Hops = list[str]


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Hops:
    """The name of each function handed to a worker thread, in order."""
    seen: Hops = []
    run_sync = anyio.to_thread.run_sync

    async def counting(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(func, "__qualname__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return seen


def _read_hops(services: Services) -> int:
    """A quick read's hops: none on SQLite (it runs on the loop), one on PostgreSQL."""
    return 0 if services.engine.dialect.name == "sqlite" else 1


def test_a_cached_session_lists_groups_in_one_hop_or_none(
    login_as: LoginAs, hops: Hops, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    assert writer.client.get(writer.url("/groups")).status_code == 200
    hops.clear()
    assert writer.client.get(writer.url("/groups")).status_code == 200
    assert len(hops) == _read_hops(services), hops


def test_a_cached_api_token_lists_groups_in_one_hop_or_none(
    login_as: LoginAs, app: FastAPI, hops: Hops, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    token = writer.client.post("/api/v1/auth/tokens", json={"name": "CI"}).json()["token"]
    bearer = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert bearer.get(writer.url("/groups")).status_code == 200
    hops.clear()
    assert bearer.get(writer.url("/groups")).status_code == 200
    assert len(hops) == _read_hops(services), hops


def test_a_refused_call_takes_no_more_than_one_hop(login_as: LoginAs, hops: Hops) -> None:
    reader = login_as(Role.READER)
    assert reader.client.get(reader.url("/groups")).status_code == 200
    hops.clear()
    assert reader.client.post(reader.url("/groups"), json={"name": "No"}).status_code == 403
    assert len(hops) <= 1, hops


def test_a_search_of_the_audit_log_takes_one_hop(login_as: LoginAs, hops: Hops) -> None:
    """The tenant's time zone (for dates without one) is read in the search's own hop."""
    owner = login_as(Role.OWNER)
    assert owner.client.get(owner.url("/audit-log")).status_code == 200
    hops.clear()
    yesterday = (date.today() - timedelta(days=1)).isoformat()  # a date read in the zone
    found = owner.client.get(owner.url("/audit-log"), params={"from": yesterday})
    assert found.status_code == 200
    assert len(hops) == 1, hops


def test_a_call_is_matched_against_each_route_at_most_once(
    login_as: LoginAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's routes are the app's own, not routers included in routers, which FastAPI
    matches level by level and then again to handle the call."""
    writer = login_as(Role.WRITER)
    matched: list[str] = []
    matches = APIRoute.matches

    def counting(route: APIRoute, scope: Any) -> Any:
        matched.append(f"{sorted(route.methods)} {route.path}")
        return matches(route, scope)

    monkeypatch.setattr(APIRoute, "matches", counting)
    assert writer.client.get(writer.url("/groups")).status_code == 200
    assert matched, "no API route was matched"
    assert len(matched) == len(set(matched)), matched


def test_a_change_on_a_quick_read_route_still_takes_its_hop(login_as: LoginAs, hops: Hops) -> None:
    """Only reads run on the loop: a change waits on SQLite's write lock in a worker thread."""
    writer = login_as(Role.WRITER)
    assert writer.client.get(writer.url("/groups")).status_code == 200
    hops.clear()
    assert writer.client.post(writer.url("/groups"), json={"name": "Hop"}).status_code == 201
    assert len(hops) == 1, hops


def test_a_quick_read_takes_its_hop_when_the_pool_has_no_idle_connection(
    login_as: LoginAs, hops: Hops, services: Services
) -> None:
    """The loop never waits for a connection: with none idle, the read goes to a worker."""
    writer = login_as(Role.WRITER)
    assert writer.client.get(writer.url("/groups")).status_code == 200
    held = [services.engine.connect() for _ in range(services.engine.pool.checkedin())]
    try:
        hops.clear()
        assert writer.client.get(writer.url("/groups")).status_code == 200
        assert len(hops) == 1, hops
    finally:
        for connection in held:
            connection.close()


def _in_transaction(dbapi_connection: Any) -> bool:
    """Whether the driver's connection is inside a transaction (psycopg or sqlite3)."""
    info = getattr(dbapi_connection, "info", None)
    if info is not None and hasattr(info, "transaction_status"):
        return bool(info.transaction_status != TransactionStatus.IDLE)
    return bool(dbapi_connection.in_transaction)


@pytest.fixture
def statements(services: Services) -> Iterator[list[tuple[str, bool]]]:
    """Each statement on a domain table, and whether it ended inside a transaction."""
    seen: list[tuple[str, bool]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "groups" in statement:
            seen.append((statement.split()[0], _in_transaction(conn.connection.dbapi_connection)))

    event.listen(services.engine, "after_cursor_execute", record)
    yield seen
    event.remove(services.engine, "after_cursor_execute", record)


def test_a_quick_read_holds_no_transaction_and_a_change_keeps_its_own(
    login_as: LoginAs, statements: list[tuple[str, bool]]
) -> None:
    """A list's one statement takes no `BEGIN` or `COMMIT` round trip (on PostgreSQL it runs in
    autocommit: at READ COMMITTED each statement has a snapshot of its own anyway), and the
    connection it used goes back to the pool ready for a change's transaction."""
    writer = login_as(Role.WRITER)
    reads: list[tuple[str, bool]] = []
    changes: list[tuple[str, bool]] = []
    for name in ("First", "Second"):
        statements.clear()
        assert writer.client.get(writer.url("/groups")).status_code == 200
        reads += statements
        statements.clear()
        assert writer.client.post(writer.url("/groups"), json={"name": name}).status_code == 201
        changes += statements
    assert reads
    assert changes
    assert not any(in_tx for _, in_tx in reads), reads
    assert all(in_tx for _, in_tx in changes), changes
