"""Response headers every client may rely on: `nosniff` on every response, `Allow` on every 405."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from tests.conftest import LoginAs


def test_every_kind_of_response_says_nosniff(login_as: LoginAs, client: TestClient) -> None:
    owner = login_as(Role.OWNER)
    responses = {
        "json": owner.client.get(owner.url("/groups")),
        "created": owner.client.post(owner.url("/groups"), json={"name": "Reception"}),
        "no content": owner.client.post("/api/v1/auth/logout"),
        "problem 401": client.get("/api/v1/auth/me"),
        "problem 404": client.get("/api/v1/nowhere"),
        "problem 405": client.request("TRACE", "/api/v1/auth/me"),
        "problem 422": owner.client.post(owner.url("/groups"), json={}),
        "openapi": client.get("/openapi.json"),
        "static": client.get("/static/favicon.svg"),
        "page": client.get("/login"),
        "redirect": client.get("/", follow_redirects=False),
    }
    for kind, response in responses.items():
        assert response.headers.get("x-content-type-options") == "nosniff", kind


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/api/v1/auth/me", {"GET"}),
        ("PUT", "/api/v1/auth/me", {"GET"}),
        ("DELETE", "/api/v1/auth/tokens", {"GET", "POST"}),
        ("POST", "/groups/00000000-0000-7000-8000-000000000000", {"GET", "PATCH", "PUT", "DELETE"}),
    ],
)
def test_a_method_the_path_does_not_take_is_a_405_problem_listing_the_ones_it_does(
    login_as: LoginAs, method: str, path: str, allowed: set[str]
) -> None:
    owner = login_as(Role.OWNER)
    url = path if path.startswith("/api/") else owner.url(path)
    response = owner.client.request(method, url)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert {m.strip() for m in response.headers["allow"].split(",")} - {"HEAD"} == allowed
