"""Groups through the API: the life of a group, names unique per tenant, and the list's JSON."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from asgi_audit import Action, Decision, Resource
from callmanager.api.groups import GroupList, GroupOut
from callmanager.audit_snapshots import Snapshots
from callmanager.auth.principal import Role
from callmanager.domain.groups.models import Group
from callmanager.domain.groups.service import get_group, list_groups
from callmanager.services import Services
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


def test_the_group_list_is_byte_for_byte_what_its_response_model_would_serialise(
    login_as: LoginAs, services: Services
) -> None:
    """The list is written straight from its rows (no model per group): the same JSON, with
    times in UTC as `Z`, for a time with and without a fraction of a second."""
    writer = login_as(Role.WRITER)
    for name in ("B team", "A team"):
        body = {"name": name, "description": "Line 1\nLine 2 \u00e9", "members": ["a@x.example"]}
        assert writer.client.post(writer.url("/groups"), json=body).status_code == 201
    whole_second = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with services.unit_of_work() as uow:
        uow.session.execute(
            update(Group).where(Group.name == "A team").values(updated_at=whole_second)
        )
        uow.commit()

    listed = writer.client.get(writer.url("/groups"))

    assert listed.status_code == 200
    assert listed.headers["content-type"] == "application/json"
    with services.unit_of_work() as uow:
        rows = list_groups(uow.session, writer.tenant_id)
        expected = GroupList(items=[GroupOut.model_validate(r) for r in rows]).model_dump_json()
    assert listed.content == expected.encode()
    assert listed.json()["items"][0]["updated_at"] == "2026-01-02T03:04:05Z"


def test_a_group_read_before_an_edit_is_what_its_response_model_dumps(
    login_as: LoginAs, services: Services
) -> None:
    """The audit log reads a group before an edit or delete straight from its row: an edit's
    changes are its response against this, so it is the model's JSON exactly (a time with and
    without a fraction of a second); another tenant's group or none at all reads as None."""
    writer = login_as(Role.WRITER)
    ids = []
    for name in ("B team", "A team"):
        body = {"name": name, "description": "Line 1\nLine 2 \u00e9", "members": ["a@x.example"]}
        created = writer.client.post(writer.url("/groups"), json=body)
        ids.append(created.json()["id"])
    with services.unit_of_work() as uow:
        uow.session.execute(
            update(Group)
            .where(Group.name == "A team")
            .values(updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
        )
        uow.commit()
    snapshots = Snapshots(services.session_factory)

    def before(tenant_id: uuid.UUID, group_id: str) -> object:
        resource = Resource("group", group_id)
        return snapshots(Decision(tenant_id, "PATCH", Action.EDIT, None, resource, {}))

    for group_id in ids:
        with services.unit_of_work() as uow:
            group = get_group(uow.session, writer.tenant_id, uuid.UUID(group_id))
            expected = GroupOut.model_validate(group).model_dump(mode="json")
        assert before(writer.tenant_id, group_id) == expected
    assert before(uuid.uuid4(), ids[0]) is None
    assert before(writer.tenant_id, str(uuid.uuid4())) is None
