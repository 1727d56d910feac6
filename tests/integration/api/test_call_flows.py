"""Wizard Call Flows through the API: their life, holidays, roles, and problem+json refusals."""

from __future__ import annotations

from typing import Any

import pytest

from callmanager.auth.principal import Role
from tests.conftest import LoginAs
from tests.factories import LoggedIn


def flow_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Main line",
        "phone_number": "+44 20 7946 0123",
        "time_zone": "Europe/London",
        "business_hours": {
            day: [{"start": "09:00", "end": "17:30"}]
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
        },
        "routing": {
            "open": {"kind": "phone_number", "phone_number": "+44 161 496 0000"},
            "closed": {"kind": "voicemail", "greeting": "We are closed."},
            "holiday": {"kind": "voicemail"},
        },
        "holidays": {
            "country": "GB",
            "subdivision": "ENG",
            "years": [],
        },
        **overrides,
    }


def create(caller: LoggedIn, **overrides: Any) -> dict[str, Any]:
    response = caller.client.post(caller.url("/call-flows"), json=flow_body(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_writer_creates_reads_replaces_and_deletes_a_call_flow(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    flow = create(writer)
    assert flow["phone_number"] == "+442079460123"
    assert flow["version"] == 1
    assert flow["holidays"]["years"][0]["days"]

    url = writer.url(f"/call-flows/{flow['id']}")
    assert writer.client.get(url).json() == flow
    body = {k: flow[k] for k in ("name", "phone_number", "time_zone", "business_hours")}
    body |= {"routing": flow["routing"], "holidays": flow["holidays"], "version": 1}
    body["name"] = "Main line (UK)"
    replaced = writer.client.put(url, json=body)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["version"] == 2
    listed = writer.client.get(writer.url("/call-flows")).json()["items"]
    assert [f["name"] for f in listed] == ["Main line (UK)"]
    assert writer.client.delete(url).status_code == 204
    assert writer.client.get(url).status_code == 404


def test_a_person_edits_a_listed_holiday_through_a_put(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    flow = create(owner)
    year = flow["holidays"]["years"][0]
    year["days"] = [
        {**day, "observed": False} if day["name"] == "Boxing Day" else day for day in year["days"]
    ]
    year["days"].append(
        {"date": f"{year['year']}-07-03", "name": "Summer party", "auto_renew": True}
    )
    body = {
        k: v for k, v in flow.items() if k not in {"id", "tenant_id", "created_at", "updated_at"}
    }
    replaced = owner.client.put(owner.url(f"/call-flows/{flow['id']}"), json=body)
    assert replaced.status_code == 200, replaced.text
    days = replaced.json()["holidays"]["years"][0]["days"]
    assert {"Summer party"} <= {d["name"] for d in days}
    assert [d["observed"] for d in days if d["name"] == "Boxing Day"] == [False]


def test_a_stale_version_is_a_409_problem(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    flow = create(writer)
    body = {
        k: v for k, v in flow.items() if k not in {"id", "tenant_id", "created_at", "updated_at"}
    }
    url = writer.url(f"/call-flows/{flow['id']}")
    assert writer.client.put(url, json={**body, "name": "First"}).status_code == 200
    stale = writer.client.put(url, json={**body, "name": "Second"})
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["current_version"] == 2


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"phone_number": "020 7946 0123"}, 422),
        ({"unexpected": True}, 422),
        ({"name": "x" * 121}, 422),
        ({"holidays": {"country": "XX"}}, 422),
        ({"business_hours": {"monday": [{"start": "18:00", "end": "09:00"}]}}, 422),
    ],
)
def test_an_invalid_call_flow_is_refused_with_a_problem(
    login_as: LoginAs, overrides: dict[str, Any], status: int
) -> None:
    writer = login_as(Role.WRITER)
    response = writer.client.post(writer.url("/call-flows"), json=flow_body(**overrides))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_routing_to_a_group_of_the_tenant_is_accepted_and_to_an_unknown_one_refused(
    login_as: LoginAs,
) -> None:
    writer = login_as(Role.WRITER)
    group = writer.client.post(writer.url("/groups"), json={"name": "Reception"}).json()
    routing = flow_body()["routing"] | {"open": {"kind": "group", "group_id": group["id"]}}
    create(writer, routing=routing)
    routing["open"]["group_id"] = "00000000-0000-7000-8000-000000000000"
    refused = writer.client.post(
        writer.url("/call-flows"), json=flow_body(name="Other", routing=routing)
    )
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/invalid")


def test_the_same_number_twice_is_a_conflict(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    create(writer)
    second = writer.client.post(writer.url("/call-flows"), json=flow_body(name="Other"))
    assert second.status_code == 409


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_reads_are_for_owner_writer_and_reader_and_writes_for_owner_and_writer(
    login_as: LoginAs, role: Role
) -> None:
    caller = login_as(role)
    may_read = role in {Role.OWNER, Role.WRITER, Role.READER}
    may_write = role in {Role.OWNER, Role.WRITER}
    read = caller.client.get(caller.url("/call-flows"))
    assert read.status_code == (200 if may_read else 403)
    write = caller.client.post(caller.url("/call-flows"), json=flow_body())
    assert write.status_code == (201 if may_write else 403)


def test_another_tenants_call_flows_are_not_found(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    flow = create(writer)
    other = "00000000-0000-7000-8000-000000000001"
    response = writer.client.get(f"/api/v1/tenants/{other}/call-flows/{flow['id']}")
    assert response.status_code == 404
