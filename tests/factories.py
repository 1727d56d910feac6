"""Building tenants and portal users straight through the domain services, for test setup."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.domain.portal_users.models import Membership, User
from callmanager.domain.tenants.service import create_tenant
from callmanager.services import Services

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = PasswordHasher.from_parameters(profiles.CHEAPEST).hash(PASSWORD)
"""Test users' password, hashed with Argon2id's cheapest parameters: the product verifies a hash
with the parameters written in it, and at the product's own (`hash_password`) each test's login
cost 0.1 to 0.3 s of both cores. A test about the product's hashing makes its user with
`password_hash=hash_password(PASSWORD)`."""


def make_tenant(services: Services, name: str = "Contoso", time_zone: str = "UTC") -> uuid.UUID:
    with services.unit_of_work() as uow:
        tenant = create_tenant(uow.session, name, time_zone)
        uow.commit()
        return tenant.id


def make_user(
    services: Services,
    tenant_id: uuid.UUID,
    email: str,
    role: Role,
    password_hash: str = _PASSWORD_HASH,
) -> uuid.UUID:
    with services.unit_of_work() as uow:
        user = User(email=email, name=email.split("@")[0], password_hash=password_hash)
        uow.session.add(user)
        uow.session.flush()
        uow.session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=role))
        uow.commit()
        return user.id


@dataclass
class LoggedIn:
    """A client holding a session cookie, sending the CSRF header on every request."""

    client: TestClient
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    email: str

    def url(self, path: str = "") -> str:
        return f"/api/v1/tenants/{self.tenant_id}{path}"


def log_in(client: TestClient, email: str) -> str:
    """Log `client` in as `email` and make it send the CSRF header; returns the CSRF token."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    client.headers[CSRF_HEADER] = csrf
    return csrf


@dataclass
class StoreDown:
    """A running app whose audit store cannot be reached, one tenant, and a client logged in
    as its only user."""

    client: TestClient
    services: Services
    tenant_id: uuid.UUID


@contextmanager
def audit_store_down(
    database_url: str, tmp_path: Path, role: Role, **settings: Any
) -> Iterator[StoreDown]:
    """`StoreDown` for the block: the audit store is a SQLite file in a directory that does not
    exist, and the writer gives up at once on what it holds when the app stops."""
    from callmanager.app import create_app
    from tests.conftest import make_settings

    audit_url = f"sqlite:///{tmp_path}/missing/dir/audit.db"
    app = create_app(
        make_settings(database_url, tmp_path, audit_database_url=audit_url, **settings)
    )
    services: Services = app.state.services
    tenant_id = make_tenant(services)
    email = f"{role.value}@contoso.example"
    make_user(services, tenant_id, email, role)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert services.audit_writer is not None
        services.audit_writer.shutdown_timeout = 0.1  # what it holds can never be written
        log_in(client, email)
        yield StoreDown(client, services, tenant_id)
