"""Bad input gets a clear 4xx problem+json, never a 500, and changes nothing."""

from __future__ import annotations

import pytest

from callmanager.auth.principal import Role
from tests.conftest import LoginAs

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        (b'{"name": "unterminated', 400, "malformed-json"),
        (b'{"name": 42}', 422, "validation-failed"),
        (b'{"name": "' + b"x" * 500 + b'"}', 422, "validation-failed"),
        (b'{"name": "ok", "colour": "blue"}', 422, "validation-failed"),
        (b'{"name": "ok", "members": "not a list"}', 422, "validation-failed"),
        (b'{"name": ""}', 422, "validation-failed"),
        (b"[]", 422, "validation-failed"),
        (b"\xff\xfe\x00garbage", 400, "malformed-json"),
    ],
    ids=[
        "malformed",
        "wrong type",
        "oversize",
        "unknown field",
        "list type",
        "empty",
        "array",
        "binary",
    ],
)
def test_a_bad_group_body_is_a_problem_and_creates_nothing(
    login_as: LoginAs, body: bytes, status: int, slug: str
) -> None:
    writer = login_as(Role.WRITER)
    response = writer.client.post(
        writer.url("/groups"), content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("/" + slug)
    assert problem["title"]
    assert problem["detail"]
    assert writer.client.get(writer.url("/groups")).json()["items"] == []


def test_a_malformed_id_in_the_path_is_a_problem_not_a_crash(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    response = writer.client.get(writer.url("/groups/not-a-uuid"))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_an_unknown_time_zone_is_refused(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    response = owner.client.patch(owner.url(), json={"time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "time zone" in response.json()["detail"]


def test_an_invitation_with_an_unknown_role_is_refused(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    response = owner.client.post(
        owner.url("/invitations"), json={"email": "x@contoso.example", "name": "X", "role": "god"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_an_unknown_path_is_a_problem(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    response = owner.client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
