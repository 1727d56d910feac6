"""`/healthz` and `/readyz`: anonymous, unaudited, no tenant data; `/readyz` answers 503 with a
reason per check when a part the service needs is down."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select

from asgi_audit.store.tables import entries
from asgi_audit.tlog.note import Signer
from callmanager.app import create_app
from callmanager.services import Services
from tests.conftest import make_settings
from tests.databases import migrated_database
from tests.factories import make_tenant

CHECKS = {"database", "audit_store", "audit_writer", "audit_queue", "checkpoint_signer"}


def test_healthz_answers_anonymously_that_the_process_is_alive(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {}}


def test_readyz_passes_every_check_on_a_working_service(
    client: TestClient, services: Services
) -> None:
    make_tenant(services, "Contoso Ready")
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    assert all(check == {"ok": True, "reason": "ok"} for check in body["checks"].values())
    assert "Contoso" not in response.text


def test_health_checks_are_not_audited(client: TestClient, services: Services) -> None:
    make_tenant(services)
    for _ in range(3):
        client.get("/healthz")
        client.get("/readyz")
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    with services.audit_store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(entries)).scalar_one() == 0
    assert "Audit-Entry-Id" not in client.get("/readyz").headers


def test_readyz_is_503_when_the_audit_writer_has_stopped(
    client: TestClient, services: Services
) -> None:
    assert services.audit_writer is not None
    services.audit_writer.shutdown_blocking()
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["audit_writer"] == {"ok": False, "reason": "not running"}
    assert checks["database"]["ok"]
    assert checks["audit_store"]["ok"]


@pytest.mark.parametrize(
    "audit_url",
    [
        "sqlite:///{tmp}/missing/dir/audit.db",
        pytest.param("postgresql+psycopg://postgres@127.0.0.1:1/refusing", id="postgres-refusing"),
    ],
)
def test_readyz_is_503_naming_the_audit_store_when_it_is_unreachable(
    tmp_path: Path, audit_url: str
) -> None:
    audit_url = audit_url.format(tmp=tmp_path)
    with migrated_database("sqlite", tmp_path) as database_url:
        app = create_app(make_settings(database_url, tmp_path, audit_database_url=audit_url))
        services: Services = app.state.services
        with TestClient(app) as client:
            assert services.audit_writer is not None
            services.audit_writer.shutdown_timeout = 0.1
            response = client.get("/readyz")
            alive = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["audit_store"]["ok"] is False
    assert body["checks"]["audit_store"]["reason"].startswith("failed (")
    assert body["checks"]["database"] == {"ok": True, "reason": "ok"}
    assert "refusing" not in response.text
    assert "missing" not in response.text
    assert alive.status_code == 200


def test_readyz_is_503_while_the_audit_writer_s_queue_is_nine_tenths_full(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    """Another connection holds the SQLite store's write lock: the writer cannot commit, and
    reads queue their entries behind it until the lock is let go."""
    app = create_app(make_settings(sqlite_database_url, tmp_path, audit_queue_size=10))
    services: Services = app.state.services
    tenant = make_tenant(services)
    groups = f"/api/v1/tenants/{tenant}/groups"  # anonymous: refused, and audited
    blocker = sqlite3.connect(sqlite_database_url.removeprefix("sqlite:///"))
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        blocker.execute("BEGIN IMMEDIATE")
        client.get(groups)
        writer = services.audit_writer
        assert writer is not None
        deadline = time.monotonic() + 10
        while writer.queue_depth:  # until the writer took that entry and waits for the lock
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for _ in range(9):
            client.get(groups)
        full = client.get("/readyz")
        blocker.rollback()
        writer.flush_blocking(timeout=20)
        drained = client.get("/readyz")
    blocker.close()
    assert full.status_code == 503
    assert full.json()["checks"]["audit_queue"] == {"ok": False, "reason": "9 of 10 queued"}
    assert full.json()["checks"]["audit_writer"]["ok"] is True
    assert drained.status_code == 200


def test_readyz_is_503_naming_the_database_when_it_does_not_answer(
    client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The domain's database gone (a server refusing connections): the audit store, on its
    own engine, still answers, and the reason names no URL."""
    refusing = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/refusing")
    monkeypatch.setattr(services, "engine", refusing)
    try:
        response = client.get("/readyz")
    finally:
        refusing.dispose()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is False
    assert checks["database"]["reason"].startswith("failed (")
    assert checks["audit_store"] == {"ok": True, "reason": "ok"}
    assert "refusing" not in response.text
    assert client.get("/healthz").status_code == 200


class _BrokenSigner:
    """A checkpoint signer whose key cannot sign (a bad key from a secret store, a failing
    signing device); its verifier is the real one's."""

    def __init__(self, verifier: object) -> None:
        self.verifier = verifier

    def sign(self, text: str) -> str:
        raise ValueError("no signing key")


class _WrongKeySigner:
    """A checkpoint signer that signs with another key than the verifier it claims."""

    def __init__(self, verifier: object) -> None:
        self.verifier = verifier
        self._other = Signer.generate("health.test.example")

    def sign(self, text: str) -> str:
        return self._other.sign(text)


@pytest.mark.parametrize("broken", [_BrokenSigner, _WrongKeySigner], ids=["fails", "wrong key"])
def test_readyz_is_503_naming_the_checkpoint_signer_when_it_does_not_sign(
    client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch, broken: type
) -> None:
    monkeypatch.setattr(services.notary, "signer", broken(services.notary.signer.verifier))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["checkpoint_signer"]["ok"] is False
    assert body["checks"]["checkpoint_signer"]["reason"].startswith("failed (")
    assert all(ok["ok"] for name, ok in body["checks"].items() if name != "checkpoint_signer")
    assert "no signing key" not in response.text
