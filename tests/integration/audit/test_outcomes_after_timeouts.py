"""When the audit store answers too late, the log still ends up saying what the caller was told:
a change refused with 503 "was not made" is recorded as refused, never as `unknown`; and a change
that was made but whose outcome could not be stored in time gets that outcome once the store
answers, marked as established after the fact."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

import asgi_audit as audit
from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.domain.groups.models import Group
from callmanager.services import Services
from tests.conftest import make_settings
from tests.factories import log_in, make_tenant, make_user

DURABLE_TIMEOUT = 1.0
LOCKED_FOR = DURABLE_TIMEOUT + 1.5
"""Past the caller's timeout, well within the store's own wait for a lock."""


@contextmanager
def _locked(url: str) -> Iterator[None]:
    """The audit table locked against writes by another connection, as a long transaction or
    an operator's maintenance would."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("LOCK TABLE audit_entries IN EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def lock_for(url: str, seconds: float) -> None:
    """Lock the store now and release it `seconds` later, from a thread of its own."""
    taken = threading.Event()

    def hold() -> None:
        with _locked(url):
            taken.set()
            threading.Event().wait(seconds)

    threading.Thread(target=hold, daemon=True).start()
    assert taken.wait(10)


def _app(database_url: str, tmp_path: Path) -> tuple[Any, Services, str]:
    """An app whose audit store is a database of its own on SQLite (so locking it leaves the
    domain's file free), and the same database on PostgreSQL (where a table lock suffices)."""
    audit_url = ""
    if database_url.startswith("sqlite"):
        audit_url = f"sqlite:///{tmp_path / 'audit.db'}"
        audit.upgrade(audit_url)
    app = create_app(make_settings(database_url, tmp_path, audit_database_url=audit_url))
    services: Services = app.state.services
    assert services.audit_writer is not None
    services.audit_writer.durable_timeout = DURABLE_TIMEOUT
    return app, services, audit_url or database_url


def _stored(services: Services, client: TestClient, tenant: object) -> list[dict[str, Any]]:
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=10)
    page = client.get(f"/api/v1/tenants/{tenant}/audit-log", params={"limit": 200})
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def _when_the_group_is_inserted(services: Services, do: Callable[[], None]) -> None:
    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO GROUPS"):
            do()

    event.listen(services.engine, "before_cursor_execute", before)


def test_a_change_refused_because_the_store_answered_too_late_is_logged_as_refused(
    database_url: str, tmp_path: Path
) -> None:
    app, services, audit_url = _app(database_url, tmp_path)
    tenant = make_tenant(services)
    make_user(services, tenant, "w@contoso.example", Role.WRITER)
    with TestClient(app) as client:
        log_in(client, "w@contoso.example")
        lock_for(audit_url, LOCKED_FOR)
        refused = client.post(f"/api/v1/tenants/{tenant}/groups", json={"name": "Never"})
        assert refused.status_code == 503
        assert "was not made" in refused.json()["detail"]

        threading.Event().wait(LOCKED_FOR)
        [entry] = _stored(services, client, tenant)
        with services.session_factory() as db:
            assert db.scalars(select(Group)).all() == []

    assert (entry["outcome"], entry["status"]) == ("failed", 503)
    assert entry["summary"] == (
        "Failed to create group 'Never' (503: the audit store was unavailable, so it was not made)"
    )


def test_a_change_whose_outcome_was_stored_too_late_gets_it_marked_after_the_fact(
    database_url: str, tmp_path: Path
) -> None:
    app, services, audit_url = _app(database_url, tmp_path)
    tenant = make_tenant(services)
    make_user(services, tenant, "w@contoso.example", Role.WRITER)
    with TestClient(app) as client:
        log_in(client, "w@contoso.example")
        _when_the_group_is_inserted(services, lambda: lock_for(audit_url, LOCKED_FOR))
        uncertain = client.post(f"/api/v1/tenants/{tenant}/groups", json={"name": "Made"})
        assert uncertain.status_code == 503
        assert "may have been made" in uncertain.json()["detail"]

        threading.Event().wait(LOCKED_FOR)
        [entry] = _stored(services, client, tenant)
        with services.session_factory() as db:
            assert [g.name for g in db.scalars(select(Group))] == ["Made"]

    assert (entry["outcome"], entry["status"]) == ("succeeded", 201)
    assert entry["summary"] == (
        "Created group 'Made' (outcome established after the fact: "
        "the caller was told it may not have been made)"
    )
