"""Logging in and out, CSRF on cookie sessions, personal API tokens, and slowed-down guessing."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from tests.conftest import LoginAs
from tests.factories import PASSWORD


def test_login_sets_an_httponly_lax_session_cookie_and_returns_the_csrf_token(
    login_as: LoginAs, app: FastAPI
) -> None:
    owner = login_as(Role.OWNER)
    fresh = TestClient(app)
    response = fresh.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert response.status_code == 200
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("cm_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; https sets it
    body = response.json()
    assert body["email"] == owner.email
    assert body["csrf_token"]
    assert body["tenants"][0]["role"] == "owner"


def test_a_wrong_password_is_refused_with_a_problem(login_as: LoginAs, client: TestClient) -> None:
    owner = login_as(Role.OWNER)
    response = client.post("/api/v1/auth/login", json={"email": owner.email, "password": "nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unauthenticated")


def test_repeated_failed_logins_are_slowed_down(login_as: LoginAs, client: TestClient) -> None:
    owner = login_as(Role.OWNER)
    statuses = [
        client.post(
            "/api/v1/auth/login", json={"email": owner.email, "password": "bad"}
        ).status_code
        for _ in range(7)
    ]
    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:]
    locked = client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["retry_after"] >= 1


def test_logout_revokes_the_session_on_the_server(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    cookie = owner.client.cookies["cm_session"]
    assert owner.client.post("/api/v1/auth/logout").status_code == 204
    owner.client.cookies.set("cm_session", cookie)  # a copied cookie is useless now
    assert owner.client.get("/api/v1/auth/me").status_code == 401


def test_a_cookie_request_that_changes_something_needs_the_csrf_header(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    del writer.client.headers[CSRF_HEADER]
    refused = writer.client.post(writer.url("/groups"), json={"name": "Sales"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    writer.client.headers[CSRF_HEADER] = "forged"
    assert writer.client.post(writer.url("/groups"), json={"name": "Sales"}).status_code == 403
    assert writer.client.get(writer.url("/groups")).status_code == 200


def test_an_api_token_is_shown_once_works_as_bearer_and_stops_working_when_revoked(
    login_as: LoginAs, app: FastAPI
) -> None:
    writer = login_as(Role.WRITER)
    created = writer.client.post("/api/v1/auth/tokens", json={"name": "CI"})
    assert created.status_code == 201
    token = created.json()["token"]
    listed = writer.client.get("/api/v1/auth/tokens").json()
    assert [t["name"] for t in listed] == ["CI"]
    assert "token" not in listed[0]

    bearer = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    made = bearer.post(writer.url("/groups"), json={"name": "From the API"})
    assert made.status_code == 201  # no CSRF needed: no cookie is involved

    assert writer.client.delete(f"/api/v1/auth/tokens/{created.json()['id']}").status_code == 204
    assert bearer.get(writer.url("/groups")).status_code == 401


def test_an_unknown_bearer_token_is_unauthenticated(
    client: TestClient, tenant_id: uuid.UUID
) -> None:
    response = client.get(
        f"/api/v1/tenants/{tenant_id}/groups", headers={"Authorization": "Bearer cmt_nonsense"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_tokens_last_use_is_shown_to_the_minute(login_as: LoginAs, app: FastAPI) -> None:
    writer = login_as(Role.WRITER)
    token = writer.client.post("/api/v1/auth/tokens", json={"name": "CI"}).json()["token"]
    bearer = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    bearer.get(writer.url("/groups"))
    first = writer.client.get("/api/v1/auth/tokens").json()[0]["last_used_at"]
    bearer.get(writer.url("/groups"))
    assert first is not None
    assert writer.client.get("/api/v1/auth/tokens").json()[0]["last_used_at"] == first
