"""Bad input gets a clear 4xx problem+json, never a 500, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


CONTROL_CHARACTERS = {"NUL": "\x00", "ESC": "\x1b", "DEL": "\x7f", "C1 NEL": "\x85"}
"""A C0 control, DEL and a C1 control: refused the same way on SQLite and PostgreSQL."""


def _flow(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Main line",
        "phone_number": "+44 20 7946 0123",
        "routing": {
            "open": {"kind": "voicemail", "greeting": "Hello"},
            "closed": {"kind": "voicemail"},
            "holiday": {"kind": "voicemail"},
        },
        **overrides,
    }


def _holiday(name: str) -> dict[str, Any]:
    day = {"date": "2026-12-24", "name": name}
    return {"years": [{"year": 2026, "days": [day]}]}


TOKENS = "/api/v1/auth/tokens"
TEXT_FIELDS: dict[str, tuple[str, str, Callable[[str], dict[str, Any]]]] = {
    "group name": ("POST", "/groups", lambda text: {"name": text}),
    "group description": ("POST", "/groups", lambda text: {"name": "g", "description": text}),
    "group member": ("POST", "/groups", lambda text: {"name": "g", "members": [text]}),
    "tenant name": ("PATCH", "", lambda text: {"name": text}),
    "microsoft tenant id": ("PATCH", "", lambda text: {"microsoft_tenant_id": text}),
    "invitee name": (
        "POST",
        "/invitations",
        lambda text: {"email": "new@contoso.example", "name": text, "role": "reader"},
    ),
    "call flow name": ("POST", "/call-flows", lambda text: _flow(name=text)),
    "voicemail greeting": (
        "POST",
        "/call-flows",
        lambda text: _flow(
            routing={
                "open": {"kind": "voicemail", "greeting": text},
                "closed": {"kind": "voicemail"},
                "holiday": {"kind": "voicemail"},
            }
        ),
    ),
    "holiday name": ("POST", "/call-flows", lambda text: _flow(holidays=_holiday(text))),
    "api token name": ("POST", TOKENS, lambda text: {"name": text}),
}
"""Where people type text: the method and path that take it (a GET of the same path lists what
is stored), and the body carrying `text` in that field."""


@pytest.mark.parametrize("field", TEXT_FIELDS, ids=TEXT_FIELDS)
def test_a_control_character_in_a_text_field_is_a_422_problem_and_stores_nothing(
    login_as: LoginAs, field: str
) -> None:
    owner = login_as(Role.OWNER)
    method, path, body = TEXT_FIELDS[field]
    url = path if path == TOKENS else owner.url(path)
    before = owner.client.get(url).json()

    for name, char in CONTROL_CHARACTERS.items():
        response = owner.client.request(method, url, json=body(f"a{char}b"))
        assert response.status_code == 422, (name, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"].endswith("/validation-failed")

    assert owner.client.get(url).json() == before


def test_a_description_may_span_lines_but_a_name_may_not(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    groups = writer.url("/groups")
    accepted = writer.client.post(groups, json={"name": "Desk", "description": "One\r\nTwo\tend"})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["description"] == "One\r\nTwo\tend"
    refused = writer.client.post(groups, json={"name": "Front\ndesk"})
    assert refused.status_code == 422


def test_a_control_character_in_the_call_log_search_is_a_422_problem(login_as: LoginAs) -> None:
    reader = login_as(Role.READER)
    response = reader.client.get(reader.url("/call-logs"), params={"q": "a\x00b"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
