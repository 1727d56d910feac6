"""Call Logs through the API: default range, filters, the 90-day bound, pages, roles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callmanager.auth.principal import Role
from callmanager.db import utcnow
from callmanager.domain.calllogs.generator import demo_users, generate_calls, insert_calls
from callmanager.services import Services
from tests.conftest import LoginAs


@pytest.fixture
def calls(services: Services, tenant_id: uuid.UUID) -> int:
    """Ten days of generated traffic for the tenant, up to now."""
    now = utcnow()
    generated = generate_calls(
        start=now - timedelta(days=10),
        end=now,
        time_zone="Europe/London",
        users=demo_users(6, seed=5),
        seed=5,
    )
    with services.unit_of_work() as uow:
        count = insert_calls(uow.session, tenant_id, generated)
        uow.commit()
    return count


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_the_default_list_covers_the_last_seven_days_newest_first(
    login_as: LoginAs, calls: int
) -> None:
    reader = login_as(Role.READER)
    response = reader.client.get(reader.url("/call-logs"), params={"limit": 500})
    assert response.status_code == 200, response.text
    page = response.json()
    start = datetime.fromisoformat(page["start"])
    end = datetime.fromisoformat(page["end"])
    assert end - start == timedelta(days=7)
    times = [datetime.fromisoformat(item["started_at"]) for item in page["items"]]
    assert times == sorted(times, reverse=True)
    assert all(start <= t < end for t in times)
    assert set(page["items"][0]) >= {
        "started_at", "direction", "from_number", "to_number", "user_name",
        "duration_s", "call_type", "result",
    }  # fmt: skip


def test_following_the_cursor_walks_every_call_once(login_as: LoginAs, calls: int) -> None:
    reader = login_as(Role.READER)
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 25}
    while True:
        page = reader.client.get(reader.url("/call-logs"), params=params).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    everything = reader.client.get(reader.url("/call-logs"), params={"limit": 500}).json()
    assert len(seen) == len(set(seen))
    assert seen == [item["id"] for item in everything["items"]]
    assert len(seen) > 25


def test_filters_narrow_the_list(login_as: LoginAs, calls: int) -> None:
    reader = login_as(Role.READER)
    params = {
        "direction": "inbound",
        "call_type": "calling_plan",
        "result": "answered",
        "limit": 500,
    }
    items = reader.client.get(reader.url("/call-logs"), params=params).json()["items"]
    assert items
    assert {(i["direction"], i["call_type"], i["result"]) for i in items} == {
        ("inbound", "calling_plan", "answered")
    }


def test_a_search_by_user_finds_only_their_calls(login_as: LoginAs, calls: int) -> None:
    reader = login_as(Role.READER)
    name = demo_users(6, seed=5)[0].name
    items = reader.client.get(
        reader.url("/call-logs"), params={"q": name.split()[1].lower(), "limit": 500}
    ).json()["items"]
    assert items
    assert all(name.split()[1] in i["user_name"] for i in items)


def test_an_explicit_range_of_ninety_days_is_accepted(login_as: LoginAs, calls: int) -> None:
    reader = login_as(Role.READER)
    end = utcnow()
    params = {"start": iso(end - timedelta(days=90)), "end": iso(end)}
    assert reader.client.get(reader.url("/call-logs"), params=params).status_code == 200


def test_a_range_over_ninety_days_is_a_400_problem(login_as: LoginAs) -> None:
    reader = login_as(Role.READER)
    end = utcnow()
    params = {"start": iso(end - timedelta(days=91)), "end": iso(end)}
    response = reader.client.get(reader.url("/call-logs"), params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["max_days"] == 90


@pytest.mark.parametrize(
    "params",
    [{"cursor": "not-a-cursor"}, {"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}],
)
def test_a_bad_cursor_or_reversed_range_is_a_400_problem(
    login_as: LoginAs, params: dict[str, str]
) -> None:
    reader = login_as(Role.READER)
    assert reader.client.get(reader.url("/call-logs"), params=params).status_code == 400


@pytest.mark.parametrize("params", [{"direction": "sideways"}, {"limit": 0}, {"limit": 501}])
def test_an_unknown_filter_value_is_a_422_problem(
    login_as: LoginAs, params: dict[str, Any]
) -> None:
    reader = login_as(Role.READER)
    assert reader.client.get(reader.url("/call-logs"), params=params).status_code == 422


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_but_tenant_setup_reads_call_logs(login_as: LoginAs, role: Role) -> None:
    caller = login_as(role)
    expected = 403 if role is Role.TENANT_SETUP else 200
    assert caller.client.get(caller.url("/call-logs")).status_code == expected


def test_call_logs_cannot_be_written(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    assert owner.client.post(owner.url("/call-logs"), json={}).status_code == 405
