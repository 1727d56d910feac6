"""Cached principals never outlive a revocation: every change that can take rights away moves
the principal epoch (database triggers), and a request made after it is resolved afresh, also
when the change came from another connection (another process, the command line)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select, text, update

from callmanager.auth.models import ApiToken, SessionRecord
from callmanager.auth.principal import Role
from callmanager.db import make_engine, utcnow
from callmanager.domain.portal_users.models import Membership, User
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import LoginAs
from tests.factories import LoggedIn, log_in, make_tenant
from tests.integration.api.test_partner_access import exchange, grant_for


@pytest.fixture
def elsewhere(settings: Settings) -> Iterator[Engine]:
    """A connection of its own to the app's database, as another process would have."""
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


def epoch(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT value FROM principal_epoch")).scalar_one())


def bearer_for(user: LoggedIn, app: FastAPI) -> TestClient:
    token = user.client.post("/api/v1/auth/tokens", json={"name": "CI"}).json()["token"]
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_a_repeated_call_is_served_from_the_cache(login_as: LoginAs, services: Services) -> None:
    writer = login_as(Role.WRITER)
    assert writer.client.get(writer.url("/groups")).status_code == 200
    cached = len(services.principals.cache)
    assert cached >= 1
    assert writer.client.get(writer.url("/groups")).status_code == 200
    assert len(services.principals.cache) == cached


def test_logging_in_and_using_a_token_leave_the_epoch_alone(
    login_as: LoginAs, app: FastAPI, elsewhere: Engine
) -> None:
    writer = login_as(Role.WRITER)
    bearer = bearer_for(writer, app)
    before = epoch(elsewhere)
    log_in(TestClient(app), writer.email)
    assert bearer.get(writer.url("/groups")).status_code == 200
    assert epoch(elsewhere) == before


def test_a_token_revoked_by_another_process_is_refused_on_the_next_call(
    login_as: LoginAs, app: FastAPI, elsewhere: Engine
) -> None:
    writer = login_as(Role.WRITER)
    bearer = bearer_for(writer, app)
    assert bearer.get(writer.url("/groups")).status_code == 200
    with elsewhere.begin() as conn:
        conn.execute(update(ApiToken).values(revoked_at=utcnow()))
    assert bearer.get(writer.url("/groups")).status_code == 401


def test_a_session_revoked_by_another_process_is_refused_on_the_next_call(
    login_as: LoginAs, elsewhere: Engine
) -> None:
    writer = login_as(Role.WRITER)
    assert writer.client.get(writer.url("/groups")).status_code == 200
    with elsewhere.begin() as conn:
        conn.execute(update(SessionRecord).values(revoked_at=utcnow()))
    assert writer.client.get(writer.url("/groups")).status_code == 401


def test_a_role_lowered_by_another_process_holds_on_the_next_call(
    login_as: LoginAs, elsewhere: Engine
) -> None:
    writer = login_as(Role.WRITER)
    assert writer.client.post(writer.url("/groups"), json={"name": "Before"}).status_code == 201
    with elsewhere.begin() as conn:
        conn.execute(
            update(Membership)
            .where(Membership.user_id == writer.user_id)
            .values(role=Role.READER.value)
        )
    assert writer.client.post(writer.url("/groups"), json={"name": "After"}).status_code == 403


def test_a_user_removed_by_another_process_is_refused_on_the_next_call(
    login_as: LoginAs, elsewhere: Engine
) -> None:
    writer = login_as(Role.WRITER)
    assert writer.client.get(writer.url("/groups")).status_code == 200
    with elsewhere.begin() as conn:
        conn.execute(delete(Membership).where(Membership.user_id == writer.user_id))
    assert writer.client.get(writer.url("/groups")).status_code == 404
    with elsewhere.begin() as conn:
        conn.execute(delete(User).where(User.id == writer.user_id))
    assert writer.client.get("/api/v1/auth/me").status_code == 401


def test_a_membership_granted_elsewhere_is_seen_on_the_next_call(
    login_as: LoginAs, services: Services, elsewhere: Engine
) -> None:
    writer = login_as(Role.WRITER)
    other = make_tenant(services, "Fabrikam")
    assert writer.client.get(f"/api/v1/tenants/{other}/groups").status_code == 404
    with elsewhere.begin() as conn:
        conn.execute(
            Membership.__table__.insert().values(
                tenant_id=other, user_id=writer.user_id, role=Role.READER.value
            )
        )
    assert writer.client.get(f"/api/v1/tenants/{other}/groups").status_code == 200


def test_the_apis_own_revocations_move_the_epoch(
    login_as: LoginAs, app: FastAPI, elsewhere: Engine
) -> None:
    owner = login_as(Role.OWNER)
    reader = login_as(Role.READER)
    token_id = owner.client.post("/api/v1/auth/tokens", json={"name": "x"}).json()["id"]
    steps = [
        lambda: owner.client.delete(f"/api/v1/auth/tokens/{token_id}"),
        lambda: owner.client.patch(
            owner.url(f"/portal-users/{reader.user_id}"), json={"role": "writer"}
        ),
        lambda: owner.client.delete(owner.url(f"/portal-users/{reader.user_id}")),
        lambda: owner.client.post("/api/v1/auth/logout"),
    ]
    for step in steps:
        before = epoch(elsewhere)
        response = step()
        assert response.status_code < 300, response.text
        assert epoch(elsewhere) > before, response.request.url


def test_a_partner_session_is_refused_once_it_expires_though_cached(
    client: TestClient, settings: Settings, tenant_id: uuid.UUID, elsewhere: Engine
) -> None:
    response = exchange(client, grant_for(settings, tenant_id), tenant_id)
    assert response.status_code == 200, response.text
    assert client.get(f"/api/v1/tenants/{tenant_id}/groups").status_code == 200
    with elsewhere.connect() as conn:
        expires_at = conn.execute(select(SessionRecord.expires_at)).scalar_one()
    with time_machine.travel(expires_at + timedelta(seconds=1), tick=False):
        assert client.get(f"/api/v1/tenants/{tenant_id}/groups").status_code == 401


def test_a_cached_tokens_later_use_is_written_off_the_request_once_a_minute_has_passed(
    login_as: LoginAs, app: FastAPI, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    bearer = bearer_for(writer, app)
    assert bearer.get(writer.url("/groups")).status_code == 200
    first = writer.client.get("/api/v1/auth/tokens").json()[0]["last_used_at"]
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        assert bearer.get(writer.url("/groups")).status_code == 200
        services.principals.last_use.close()  # waits for the background write
        later = writer.client.get("/api/v1/auth/tokens").json()[0]["last_used_at"]
    assert first is not None
    assert later > first
