"""Every role against every endpoint family, exactly as PRODUCT.md's role table says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from callmanager.auth.principal import Role
from tests.conftest import LoginAs

OWN, W, R, S = Role.OWNER, Role.WRITER, Role.READER, Role.TENANT_SETUP


@dataclass(frozen=True)
class Family:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    allowed: frozenset[Role]


FAMILIES = [
    Family("read groups", "GET", "/groups", None, frozenset({OWN, W, R})),
    Family("create a group", "POST", "/groups", {"name": "G"}, frozenset({OWN, W})),
    Family("read portal users", "GET", "/portal-users", None, frozenset({OWN, W, R})),
    Family("read invitations", "GET", "/invitations", None, frozenset({OWN, W, R})),
    Family(
        "invite a portal user",
        "POST",
        "/invitations",
        {"email": "new@contoso.example", "name": "New", "role": "reader"},
        frozenset({OWN}),
    ),
    Family("read admin setup", "GET", "/admin-setup", None, frozenset({OWN, W, R, S})),
    Family(
        "change admin setup",
        "PUT",
        "/admin-setup",
        {"consent_status": "granted"},
        frozenset({OWN, W, S}),
    ),
    Family("read the tenant", "GET", "", None, frozenset({OWN, W, R, S})),
    Family("edit the tenant", "PATCH", "", {"time_zone": "Europe/London"}, frozenset({OWN})),
]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_each_role_is_allowed_exactly_what_the_role_table_says(
    login_as: LoginAs, role: Role, family: Family
) -> None:
    caller = login_as(role)
    response = caller.client.request(family.method, caller.url(family.path), json=family.body)
    if role in family.allowed:
        assert response.status_code < 400, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/groups", "/portal-users", "/invitations", "/admin-setup", ""])
def test_an_anonymous_caller_is_asked_to_authenticate(login_as: LoginAs, path: str) -> None:
    owner = login_as(Role.OWNER)
    owner.client.cookies.clear()
    response = owner.client.get(owner.url(path))
    assert response.status_code == 401
