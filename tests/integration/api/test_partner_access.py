"""Access Service through the API: a signed grant becomes a partner session for one tenant, once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from callmanager.auth.models import SessionRecord
from callmanager.auth.sessions import CSRF_HEADER, SESSION_COOKIE
from callmanager.db import utcnow
from callmanager.partner.grants import new_grant, sign_grant
from callmanager.partner.keys import local_private_key
from callmanager.services import Services
from callmanager.settings import Settings
from tests.factories import make_tenant


def grant_for(
    settings: Settings,
    tenant_id: uuid.UUID,
    *,
    key: Ed25519PrivateKey | None = None,
    minutes_ago: float = 0,
) -> str:
    grant = new_grant(
        tenant_id, "Provisioner Support", now=utcnow() - timedelta(minutes=minutes_ago)
    )
    return sign_grant(grant, key or local_private_key(settings))


def exchange(client: TestClient, grant: str, tenant_id: uuid.UUID) -> Any:
    return client.post("/api/v1/partner-access", json={"grant": grant, "tenant_id": str(tenant_id)})


def test_a_grant_becomes_a_partner_session_with_owner_rights(
    app: FastAPI, client: TestClient, settings: Settings, tenant_id: uuid.UUID
) -> None:
    response = exchange(client, grant_for(settings, tenant_id), tenant_id)
    assert response.status_code == 200, response.text
    assert SESSION_COOKIE in response.cookies
    client.headers[CSRF_HEADER] = response.json()["csrf_token"]
    me = client.get("/api/v1/auth/me").json()
    assert me["kind"] == "partner"
    assert me["email"] is None
    assert [(t["id"], t["role"]) for t in me["tenants"]] == [(str(tenant_id), "owner")]
    made = client.post(f"/api/v1/tenants/{tenant_id}/groups", json={"name": "Partner made"})
    assert made.status_code == 201, made.text
    invited = client.post(
        f"/api/v1/tenants/{tenant_id}/invitations",
        json={"email": "new@contoso.example", "name": "New", "role": "reader"},
    )
    assert invited.status_code == 201, invited.text


def test_a_partner_session_lasts_at_most_eight_hours_and_names_no_person(
    client: TestClient, settings: Settings, services: Services, tenant_id: uuid.UUID
) -> None:
    response = exchange(client, grant_for(settings, tenant_id), tenant_id)
    assert response.status_code == 200
    with services.session_factory() as db:
        record = db.scalars(select(SessionRecord).where(SessionRecord.kind == "partner")).one()
    assert record.user_id is None
    assert record.tenant_id == tenant_id
    assert record.partner_org == "Provisioner Support"
    assert record.expires_at - record.created_at <= timedelta(hours=8, seconds=1)


def test_a_partner_session_reaches_no_other_tenant(
    client: TestClient, settings: Settings, services: Services, tenant_id: uuid.UUID
) -> None:
    other = make_tenant(services, "Fabrikam")
    response = exchange(client, grant_for(settings, tenant_id), tenant_id)
    client.headers[CSRF_HEADER] = response.json()["csrf_token"]
    assert client.get(f"/api/v1/tenants/{other}/groups").status_code == 404


def test_the_browser_link_logs_the_partner_in_and_opens_the_ui(
    app: FastAPI, client: TestClient, settings: Settings, tenant_id: uuid.UUID
) -> None:
    response = client.get(
        "/partner-access",
        params={"tenant": str(tenant_id), "grant": grant_for(settings, tenant_id)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert SESSION_COOKIE in response.cookies
    assert client.get("/api/v1/auth/me").json()["kind"] == "partner"


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert SESSION_COOKIE not in response.cookies
    return body


def test_a_forged_grant_is_refused_with_401(
    client: TestClient, settings: Settings, tenant_id: uuid.UUID
) -> None:
    token = grant_for(settings, tenant_id)
    prefix, payload, signature = token.split(".")
    forged = f"{prefix}.{payload}.{signature[::-1]}"
    assert problem_of(exchange(client, forged, tenant_id), 401)["reason"] == "bad_signature"


def test_an_expired_grant_is_refused_with_401(
    client: TestClient, settings: Settings, tenant_id: uuid.UUID
) -> None:
    token = grant_for(settings, tenant_id, minutes_ago=16)
    body = problem_of(exchange(client, token, tenant_id), 401)
    assert body["reason"] == "expired"
    assert "expired" in body["detail"]


def test_a_replayed_grant_is_refused_with_401(
    client: TestClient, settings: Settings, tenant_id: uuid.UUID
) -> None:
    token = grant_for(settings, tenant_id)
    assert exchange(client, token, tenant_id).status_code == 200
    replay = TestClient(client.app)
    assert problem_of(exchange(replay, token, tenant_id), 401)["reason"] == "replayed"


def test_a_grant_for_another_tenant_is_refused_with_403(
    client: TestClient, settings: Settings, services: Services, tenant_id: uuid.UUID
) -> None:
    other = make_tenant(services, "Fabrikam")
    token = grant_for(settings, other)
    assert problem_of(exchange(client, token, tenant_id), 403)["reason"] == "wrong_tenant"


def test_a_grant_for_a_tenant_this_service_lacks_is_refused_with_403(
    client: TestClient, settings: Settings
) -> None:
    stranger = uuid.uuid4()
    token = grant_for(settings, stranger)
    assert problem_of(exchange(client, token, stranger), 403)["reason"] == "wrong_tenant"


def test_a_grant_signed_with_an_unknown_key_is_refused_with_401(
    client: TestClient, settings: Settings, tenant_id: uuid.UUID
) -> None:
    token = grant_for(settings, tenant_id, key=Ed25519PrivateKey.generate())
    assert problem_of(exchange(client, token, tenant_id), 401)["reason"] == "unknown_key"


def test_a_refused_grant_through_the_browser_link_is_a_problem_too(
    client: TestClient, settings: Settings, tenant_id: uuid.UUID
) -> None:
    token = grant_for(settings, tenant_id, minutes_ago=20)
    response = client.get(
        "/partner-access", params={"tenant": str(tenant_id), "grant": token}, follow_redirects=False
    )
    assert problem_of(response, 401)["reason"] == "expired"


@pytest.mark.parametrize("body", [{}, {"grant": "x"}, {"grant": "x", "tenant_id": "nope"}])
def test_a_malformed_exchange_request_is_a_422_problem(
    client: TestClient, body: dict[str, str]
) -> None:
    assert client.post("/api/v1/partner-access", json=body).status_code == 422
