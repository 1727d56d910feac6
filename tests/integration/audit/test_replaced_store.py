"""A SQLite audit file replaced under the running service (renamed away, another put in its
place) is noticed: modifications are refused rather than recorded in the file moved aside."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

import asgi_audit as audit
from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.services import Services
from tests.conftest import make_settings
from tests.databases import migrated_database
from tests.factories import log_in, make_tenant, make_user


def test_modifications_are_refused_once_the_audit_file_is_replaced(tmp_path: Path) -> None:
    audit_file = tmp_path / "audit.db"
    audit.upgrade(f"sqlite:///{audit_file}")
    shutil.copy(audit_file, tmp_path / "fresh.db")
    with migrated_database("sqlite", tmp_path) as database_url:
        settings = make_settings(
            database_url, tmp_path, audit_database_url=f"sqlite:///{audit_file}"
        )
        app = create_app(settings)
        services: Services = app.state.services
        tenant = make_tenant(services)
        make_user(services, tenant, "w@contoso.example", Role.WRITER)
        with TestClient(app) as client:
            log_in(client, "w@contoso.example")
            groups = f"/api/v1/tenants/{tenant}/groups"
            assert client.post(groups, json={"name": "Before"}).status_code == 201

            audit_file.rename(tmp_path / "moved-aside.db")
            (tmp_path / "fresh.db").rename(audit_file)
            refused = client.post(groups, json={"name": "After"})
            assert refused.status_code == 503
            assert refused.headers["content-type"] == "application/problem+json"
            names = [g["name"] for g in client.get(groups).json()["items"]]
            assert services.audit_writer is not None
            services.audit_writer.shutdown_timeout = 0.1  # its queued reads cannot be written

    assert names == ["Before"]
