"""The holiday-migration System task: through the API, idempotent, never half-migrating."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.db import utcnow
from callmanager.domain.callflows import service
from callmanager.domain.callflows.holidays import PublicCalendar, library_calendar
from callmanager.domain.callflows.schemas import CallFlowCreate
from callmanager.services import Services
from callmanager.tasks.holiday_migration import RunReport, run_holiday_migration
from tests.conftest import LoginAs
from tests.factories import LoggedIn, make_tenant

THIS_YEAR = utcnow().year


def flow_body(name: str, number: str, country: str, subdivision: str | None) -> dict[str, Any]:
    return {
        "name": name,
        "phone_number": number,
        "routing": {
            "open": {"kind": "voicemail"},
            "closed": {"kind": "voicemail"},
            "holiday": {"kind": "voicemail"},
        },
        "holidays": {
            "country": country,
            "subdivision": subdivision,
            "years": [
                {
                    "year": THIS_YEAR,
                    "days": [
                        {"date": f"{THIS_YEAR}-08-14", "name": "Summer party", "auto_renew": True}
                    ],
                }
            ],
        },
    }


@pytest.fixture
def writer(login_as: LoginAs) -> LoggedIn:
    return login_as(Role.WRITER)


@pytest.fixture
def flows(writer: LoggedIn) -> dict[str, str]:
    """A UK and a US call flow, as a person creates them: this year listed, next year not."""
    made = {}
    for name, number, country, sub in [
        ("London", "+44 20 7946 0100", "GB", "ENG"),
        ("New York", "+1 212 555 0100", "US", "NY"),
    ]:
        response = writer.client.post(
            writer.url("/call-flows"), json=flow_body(name, number, country, sub)
        )
        assert response.status_code == 201, response.text
        made[name] = response.json()["id"]
    return made


def run(
    client: TestClient,
    app: FastAPI,
    calendar: PublicCalendar = library_calendar,
    now: datetime | None = None,
) -> RunReport:
    """Run the task in the app's own event loop, as the scheduler would."""
    assert client.portal is not None
    task = functools.partial(run_holiday_migration, app, calendar=calendar, now=now)
    return client.portal.call(task)


def years_of(writer: LoggedIn, flow_id: str) -> dict[int, list[tuple[str, str]]]:
    flow = writer.client.get(writer.url(f"/call-flows/{flow_id}")).json()
    return {
        y["year"]: [(d["date"], d["name"]) for d in y["days"]] for y in flow["holidays"]["years"]
    }


def test_the_task_adds_next_years_public_holidays_and_renews_custom_days(
    client: TestClient, app: FastAPI, writer: LoggedIn, flows: dict[str, str]
) -> None:
    report = run(client, app)
    assert report.ok
    assert report.checked == 2
    assert {r.name for r in report.changed} == {"London", "New York"}
    next_year = years_of(writer, flows["London"])[THIS_YEAR + 1]
    assert (f"{THIS_YEAR + 1}-12-25", "Christmas Day") in next_year
    assert (f"{THIS_YEAR + 1}-08-14", "Summer party") in next_year
    new_york = dict(years_of(writer, flows["New York"])[THIS_YEAR + 1])
    assert f"{THIS_YEAR + 1}-07-04" in new_york


def test_a_second_run_changes_nothing(
    client: TestClient, app: FastAPI, writer: LoggedIn, flows: dict[str, str]
) -> None:
    run(client, app)
    before = writer.client.get(writer.url("/call-flows")).json()
    again = run(client, app)
    assert again.ok
    assert again.checked == 2
    assert again.changed == []
    assert writer.client.get(writer.url("/call-flows")).json() == before


def test_a_holiday_moved_in_the_calendar_is_corrected_in_one_put(
    client: TestClient, app: FastAPI, writer: LoggedIn, flows: dict[str, str]
) -> None:
    run(client, app)
    version = writer.client.get(writer.url(f"/call-flows/{flows['London']}")).json()["version"]

    def moved(country: str, subdivision: str | None, year: int) -> Sequence[tuple[date, str]]:
        days = library_calendar(country, subdivision, year)
        if country != "GB" or year != THIS_YEAR + 1:
            return days
        return [
            (date(year, 12, 24), name) if name == "Christmas Day" else (day, name)
            for day, name in days
        ]

    report = run(client, app, calendar=moved)
    assert [r.name for r in report.changed] == ["London"]
    assert report.changed[0].changes == [
        f"{THIS_YEAR + 1}: moved public holiday 'Christmas Day' "
        f"from {THIS_YEAR + 1}-12-25 to {THIS_YEAR + 1}-12-24"
    ]
    flow = writer.client.get(writer.url(f"/call-flows/{flows['London']}")).json()
    assert flow["version"] == version + 1
    assert (f"{THIS_YEAR + 1}-12-24", "Christmas Day") in years_of(writer, flows["London"])[
        THIS_YEAR + 1
    ]


def test_a_call_flow_edited_during_the_run_is_left_whole_for_the_next_run(
    client: TestClient,
    app: FastAPI,
    services: Services,
    writer: LoggedIn,
    flows: dict[str, str],
) -> None:
    """A person's edit between the task's GET and PUT makes the PUT a 409; nothing half-done."""
    london = uuid.UUID(flows["London"])
    before = years_of(writer, flows["London"])

    def edit_meanwhile(
        country: str, subdivision: str | None, year: int
    ) -> Sequence[tuple[date, str]]:
        if country == "GB" and not edited:
            edited.append(True)
            with services.unit_of_work() as uow:
                current = service.get_call_flow(uow.session, writer.tenant_id, london)
                renamed = current.as_update().model_copy(update={"name": "London (edited)"})
                service.update_call_flow(uow.session, writer.tenant_id, london, renamed)
                uow.commit()
        return library_calendar(country, subdivision, year)

    edited: list[bool] = []
    report = run(client, app, calendar=edit_meanwhile)
    assert not report.ok
    assert [r.name for r in report.failed] == ["London"]
    assert "409" in (report.failed[0].error or "")
    assert [r.name for r in report.changed] == ["New York"]
    assert years_of(writer, flows["London"]) == before

    retry = run(client, app)
    assert [r.name for r in retry.changed] == ["London (edited)"]
    assert THIS_YEAR + 1 in years_of(writer, flows["London"])


def test_a_broken_call_flow_does_not_stop_the_others(
    client: TestClient, app: FastAPI, writer: LoggedIn, flows: dict[str, str]
) -> None:
    def broken_for_us(
        country: str, subdivision: str | None, year: int
    ) -> Sequence[tuple[date, str]]:
        if country == "US":
            raise RuntimeError("calendar unavailable")
        return library_calendar(country, subdivision, year)

    report = run(client, app, calendar=broken_for_us)
    assert [r.name for r in report.failed] == ["New York"]
    assert [r.name for r in report.changed] == ["London"]


def test_the_run_is_logged_with_its_start_changes_and_end(
    client: TestClient,
    app: FastAPI,
    flows: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="callmanager.tasks"):
        run(client, app)
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("callmanager.tasks")]
    assert messages[0] == "task holiday-migration: run started"
    assert any("(London): " in m and "added public holiday 'Christmas Day'" in m for m in messages)
    assert messages[-1].startswith("task holiday-migration: run finished: checked 2 call flows")


def test_call_flows_of_every_tenant_are_checked(
    client: TestClient, app: FastAPI, services: Services, flows: dict[str, str]
) -> None:
    other = make_tenant(services, "Fabrikam")
    with services.unit_of_work() as uow:
        body = CallFlowCreate.model_validate(
            flow_body("Fabrikam main", "+44 20 7946 0999", "GB", None)
        )
        service.create_call_flow(uow.session, other, body)
        uow.commit()
    report = run(client, app)
    assert report.checked == 3
    assert "Fabrikam main" in {r.name for r in report.changed}
