"""Groups through the API: the life of a group, and names unique per tenant."""

from __future__ import annotations

from callmanager.auth.principal import Role
from tests.conftest import LoginAs


def test_a_writer_creates_reads_edits_and_deletes_a_group(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    created = writer.client.post(
        writer.url("/groups"),
        json={
            "name": "Example New Group",
            "description": "Sales",
            "members": ["a@contoso.example"],
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["name"] == "Example New Group"

    url = writer.url(f"/groups/{group['id']}")
    assert writer.client.get(url).json()["members"] == ["a@contoso.example"]
    edited = writer.client.patch(url, json={"description": "Sales team"})
    assert edited.json()["description"] == "Sales team"
    assert [g["name"] for g in writer.client.get(writer.url("/groups")).json()["items"]] == [
        "Example New Group"
    ]
    assert writer.client.delete(url).status_code == 204
    assert writer.client.get(url).status_code == 404


def test_a_second_group_with_the_same_name_is_a_conflict(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    assert writer.client.post(writer.url("/groups"), json={"name": "Sales"}).status_code == 201
    second = writer.client.post(writer.url("/groups"), json={"name": "Sales"})
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["type"].endswith("/conflict")
