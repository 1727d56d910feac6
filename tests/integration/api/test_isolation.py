"""Tenant isolation: a user of tenant A gets 404 for anything of tenant B, whatever the path."""

from __future__ import annotations

import uuid

import pytest

from callmanager.auth.principal import Role
from callmanager.services import Services
from tests.conftest import LoginAs
from tests.factories import make_tenant, make_user


@pytest.fixture
def foreign(services: Services) -> dict[str, uuid.UUID]:
    """Tenant B with an Owner; returns their ids."""
    tenant = make_tenant(services, "Fabrikam")
    owner = make_user(services, tenant, "owner@fabrikam.example", Role.OWNER)
    return {"tenant": tenant, "owner": owner}


def test_a_user_of_one_tenant_gets_404_for_every_path_of_another(
    login_as: LoginAs, foreign: dict[str, uuid.UUID]
) -> None:
    alice = login_as(Role.OWNER)
    base = f"/api/v1/tenants/{foreign['tenant']}"
    attempts = [
        ("GET", ""),
        ("PATCH", ""),
        ("GET", "/groups"),
        ("POST", "/groups"),
        ("GET", "/portal-users"),
        ("PATCH", f"/portal-users/{foreign['owner']}"),
        ("DELETE", f"/portal-users/{foreign['owner']}"),
        ("GET", "/invitations"),
        ("POST", "/invitations"),
        ("GET", "/admin-setup"),
        ("PUT", "/admin-setup"),
    ]
    for method, path in attempts:
        body = {"name": "x"} if method in ("POST", "PATCH", "PUT") else None
        response = alice.client.request(method, base + path, json=body)
        assert response.status_code == 404, (method, path, response.status_code)


def test_a_group_id_of_another_tenant_is_not_found_through_ones_own_tenant(
    login_as: LoginAs, services: Services, foreign: dict[str, uuid.UUID]
) -> None:
    from callmanager.domain.groups.service import create_group

    with services.unit_of_work() as uow:
        group = create_group(uow.session, foreign["tenant"], "Secret", "", [])
        uow.commit()
    alice = login_as(Role.OWNER)
    for method in ("GET", "PATCH", "DELETE"):
        body = {"name": "mine now"} if method == "PATCH" else None
        response = alice.client.request(method, alice.url(f"/groups/{group.id}"), json=body)
        assert response.status_code == 404
    assert alice.client.get(alice.url("/groups")).json()["items"] == []


def test_a_tenant_list_shows_only_ones_own_tenants(
    login_as: LoginAs, foreign: dict[str, uuid.UUID]
) -> None:
    alice = login_as(Role.READER)
    assert [t["name"] for t in alice.client.get("/api/v1/tenants").json()] == ["Contoso"]
