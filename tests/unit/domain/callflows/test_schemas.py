"""What a call flow body accepts and refuses: phone numbers, hours, routing, holidays."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from callmanager.domain.callflows.phone import normalize_e164
from callmanager.domain.callflows.schemas import (
    BusinessHours,
    CallFlowCreate,
    HolidayDay,
    Holidays,
    HolidayYear,
    PhoneNumberTarget,
    office_hours,
)


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Main line",
        "phone_number": "+44 20 7946 0123",
        "routing": {
            "open": {"kind": "group", "group_id": str(uuid.uuid4())},
            "closed": {"kind": "voicemail", "greeting": "We are closed."},
            "holiday": {"kind": "phone_number", "phone_number": "+1 212 555 0199"},
        },
        **overrides,
    }


def test_a_phone_number_is_stored_in_canonical_e164_form() -> None:
    assert normalize_e164("+44 20 7946 0123") == "+442079460123"
    assert normalize_e164("+1 (212) 555-0199") == "+12125550199"


@pytest.mark.parametrize(
    "number", ["020 7946 0123", "+44 20 7946", "+999 123", "not a number", "+1 555 0100"]
)
def test_a_phone_number_that_is_not_valid_e164_is_refused(number: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        normalize_e164(number)


def test_a_minimal_call_flow_gets_office_hours_and_no_holidays() -> None:
    flow = CallFlowCreate.model_validate(body())
    assert flow.phone_number == "+442079460123"
    assert flow.business_hours == office_hours()
    assert flow.holidays == Holidays()
    assert isinstance(flow.routing.holiday, PhoneNumberTarget)
    assert flow.routing.holiday.phone_number == "+12125550199"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("unknown", 1),
        ("name", ""),
        ("name", "x" * 121),
        ("phone_number", "12345"),
        ("time_zone", "Mars/Olympus_Mons"),
        ("routing", {"open": {"kind": "carrier_pigeon"}}),
    ],
)
def test_a_body_with_a_bad_field_is_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        CallFlowCreate.model_validate(body(**{field: value}))


def test_a_routing_target_refuses_fields_of_another_kind() -> None:
    routing = body()["routing"] | {"open": {"kind": "voicemail", "group_id": str(uuid.uuid4())}}
    with pytest.raises(ValidationError):
        CallFlowCreate.model_validate(body(routing=routing))


def test_business_hours_must_start_before_they_end() -> None:
    with pytest.raises(ValidationError, match="start before"):
        BusinessHours.model_validate({"monday": [{"start": "17:00", "end": "09:00"}]})


def test_business_hours_of_one_day_may_not_overlap() -> None:
    overlapping = [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}]
    with pytest.raises(ValidationError, match="overlap"):
        BusinessHours.model_validate({"tuesday": overlapping})


def test_business_hours_may_run_until_midnight_and_split_for_lunch() -> None:
    hours = BusinessHours.model_validate(
        {"friday": [{"start": "13:00", "end": "24:00"}, {"start": "08:00", "end": "12:00"}]}
    )
    assert [r.start for r in hours.ranges_on(4)] == ["13:00", "08:00"]
    assert hours.saturday == []


@pytest.mark.parametrize("value", ["9:00", "25:00", "12:60", "24:01"])
def test_a_clock_time_must_be_hh_mm(value: str) -> None:
    with pytest.raises(ValidationError):
        BusinessHours.model_validate({"monday": [{"start": value, "end": "24:00"}]})


def test_holiday_days_are_sorted_by_date_within_a_year_and_years_in_order() -> None:
    holidays = Holidays(
        years=[
            HolidayYear(
                year=2027,
                days=[
                    HolidayDay(date=date(2027, 5, 1), name="B"),
                    HolidayDay(date=date(2027, 1, 1), name="A"),
                ],
            ),
            HolidayYear(year=2026),
        ]
    )
    assert [y.year for y in holidays.years] == [2026, 2027]
    listed = holidays.year(2027)
    assert listed is not None
    assert [d.name for d in listed.days] == ["A", "B"]


def test_a_holiday_listed_under_another_year_is_refused() -> None:
    with pytest.raises(ValidationError, match="listed under"):
        HolidayYear(year=2026, days=[HolidayDay(date=date(2027, 1, 1), name="A")])


def test_the_same_holiday_twice_on_a_date_is_refused() -> None:
    day = HolidayDay(date=date(2026, 1, 1), name="A")
    with pytest.raises(ValidationError, match="twice"):
        HolidayYear(year=2026, days=[day, day])


def test_a_year_listed_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="twice"):
        Holidays(years=[HolidayYear(year=2026), HolidayYear(year=2026)])


def test_only_custom_days_auto_renew() -> None:
    with pytest.raises(ValidationError, match="only custom days"):
        HolidayDay(date=date(2026, 1, 1), name="A", kind="public", auto_renew=True)


@pytest.mark.parametrize(
    ("country", "subdivision"), [("XX", None), ("gb", None), ("GB", "XYZ"), (None, "ENG")]
)
def test_an_unknown_country_or_subdivision_is_refused(
    country: str | None, subdivision: str | None
) -> None:
    with pytest.raises(ValidationError):
        Holidays(country=country, subdivision=subdivision)


def test_an_unobserved_holiday_is_not_a_holiday() -> None:
    holidays = Holidays(
        years=[
            HolidayYear(
                year=2026,
                days=[
                    HolidayDay(date=date(2026, 1, 1), name="A", kind="public", observed=False),
                    HolidayDay(date=date(2026, 1, 2), name="B"),
                ],
            )
        ]
    )
    assert holidays.day_on(date(2026, 1, 1)) is None
    found = holidays.day_on(date(2026, 1, 2))
    assert found is not None
    assert found.name == "B"


def test_a_read_call_flow_converts_to_the_put_body_that_changes_nothing() -> None:
    from datetime import UTC, datetime

    from callmanager.domain.callflows.schemas import CallFlowRead

    created = CallFlowCreate.model_validate(body(time_zone="Europe/London"))
    now = datetime.now(UTC)
    read = CallFlowRead(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        name=created.name,
        phone_number=created.phone_number,
        time_zone="Europe/London",
        business_hours=created.business_hours,
        routing=created.routing,
        holidays=created.holidays,
        version=3,
        created_at=now,
        updated_at=now,
    )
    update = read.as_update()
    assert update.version == 3
    assert update.model_dump(exclude={"version"}) == created.model_dump()
