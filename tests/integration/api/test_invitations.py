"""Inviting portal users, accepting, changing roles, removing, and the last Owner rule."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from callmanager.auth.principal import Role
from callmanager.db import utcnow
from callmanager.domain.portal_users.models import Invitation
from callmanager.services import Services
from tests.conftest import LoginAs
from tests.factories import LoggedIn

NEW_PASSWORD = "a long new password 42"


def _invite(owner: LoggedIn, email: str = "bob@contoso.example", role: str = "writer") -> dict:  # type: ignore[type-arg]
    response = owner.client.post(
        owner.url("/invitations"), json={"email": email, "name": "Bob", "role": role}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_invitee_accepts_with_the_token_and_logs_in_with_the_invited_role(
    login_as: LoginAs, app: FastAPI
) -> None:
    owner = login_as(Role.OWNER)
    invitation = _invite(owner)
    assert invitation["invitation_url"].endswith(invitation["token"])
    assert [i["email"] for i in owner.client.get(owner.url("/invitations")).json()] == [
        "bob@contoso.example"
    ]

    invitee = TestClient(app)
    accepted = invitee.post(
        owner.url("/invitations/accept"),
        json={"token": invitation["token"], "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["role"] == "writer"
    login = invitee.post(
        "/api/v1/auth/login", json={"email": "bob@contoso.example", "password": NEW_PASSWORD}
    )
    assert login.json()["tenants"][0]["role"] == "writer"
    assert owner.client.get(owner.url("/invitations")).json() == []


def test_an_invitation_works_only_once(login_as: LoginAs, app: FastAPI) -> None:
    owner = login_as(Role.OWNER)
    token = _invite(owner)["token"]
    body = {"token": token, "password": NEW_PASSWORD}
    assert TestClient(app).post(owner.url("/invitations/accept"), json=body).status_code == 201
    again = TestClient(app).post(owner.url("/invitations/accept"), json=body)
    assert again.status_code == 410


def test_an_expired_invitation_is_gone(login_as: LoginAs, app: FastAPI, services: Services) -> None:
    owner = login_as(Role.OWNER)
    token = _invite(owner)["token"]
    with services.unit_of_work() as uow:
        uow.session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    response = TestClient(app).post(
        owner.url("/invitations/accept"), json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert "expired" in response.json()["detail"]


def test_a_revoked_invitation_cannot_be_accepted(login_as: LoginAs, app: FastAPI) -> None:
    owner = login_as(Role.OWNER)
    invitation = _invite(owner)
    assert owner.client.delete(owner.url(f"/invitations/{invitation['id']}")).status_code == 204
    response = TestClient(app).post(
        owner.url("/invitations/accept"),
        json={"token": invitation["token"], "password": NEW_PASSWORD},
    )
    assert response.status_code == 410


def test_a_wrong_token_is_not_found(login_as: LoginAs, app: FastAPI) -> None:
    owner = login_as(Role.OWNER)
    _invite(owner)
    response = TestClient(app).post(
        owner.url("/invitations/accept"), json={"token": "guess", "password": NEW_PASSWORD}
    )
    assert response.status_code == 404


def test_an_owner_changes_a_role_and_removes_a_portal_user(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    reader = login_as(Role.READER)
    changed = owner.client.patch(
        owner.url(f"/portal-users/{reader.user_id}"), json={"role": "writer"}
    )
    assert changed.json()["role"] == "writer"
    assert reader.client.post(reader.url("/groups"), json={"name": "Now I can"}).status_code == 201
    assert owner.client.delete(owner.url(f"/portal-users/{reader.user_id}")).status_code == 204
    assert reader.client.get(reader.url("/groups")).status_code in (401, 404)
    emails = [u["email"] for u in owner.client.get(owner.url("/portal-users")).json()]
    assert emails == [owner.email]


def test_the_last_owner_can_be_neither_demoted_nor_removed(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    demote = owner.client.patch(
        owner.url(f"/portal-users/{owner.user_id}"), json={"role": "reader"}
    )
    assert demote.status_code == 409
    assert owner.client.delete(owner.url(f"/portal-users/{owner.user_id}")).status_code == 409
    second = login_as(Role.OWNER)
    assert (
        owner.client.patch(
            owner.url(f"/portal-users/{second.user_id}"), json={"role": "reader"}
        ).status_code
        == 200
    )


def test_inviting_an_existing_portal_user_is_a_conflict(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    response = owner.client.post(
        owner.url("/invitations"), json={"email": owner.email, "name": "Me", "role": "reader"}
    )
    assert response.status_code == 409
