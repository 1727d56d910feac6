"""The call flow as the API reads and writes it: strict pydantic models, one shape for GET and PUT.

Holidays are stored per year as concrete dates. `public` days mirror the holiday-calendar library
for the chosen country (a person opts out of one by setting `observed` to false); `custom` days are
the tenant's own, and those with `auto_renew` are carried into the next year by the holiday task.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from itertools import pairwise
from typing import Annotated, Literal
from zoneinfo import available_timezones

import holidays as holiday_library
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from callmanager.domain.callflows.phone import E164
from callmanager.domain.text import one_line

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MIN_YEAR, MAX_YEAR = 2000, 2100


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- business hours ---------------------------------------------------------------------------

ClockTime = Annotated[str, Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]
"""A wall-clock time 'HH:MM'; '24:00' closes a range at midnight."""


class TimeRange(_Strict):
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _start_before_end(self) -> TimeRange:
        if self.start >= self.end:
            raise ValueError("a time range must start before it ends")
        return self


DayHours = Annotated[list[TimeRange], Field(default_factory=list, max_length=6)]


class BusinessHours(_Strict):
    """Opening hours per weekday in the call flow's time zone; an empty day is closed all day."""

    monday: DayHours
    tuesday: DayHours
    wednesday: DayHours
    thursday: DayHours
    friday: DayHours
    saturday: DayHours
    sunday: DayHours

    @model_validator(mode="after")
    def _ranges_do_not_overlap(self) -> BusinessHours:
        for day in WEEKDAYS:
            ranges = sorted(getattr(self, day), key=lambda r: r.start)
            for before, after in pairwise(ranges):
                if after.start < before.end:
                    raise ValueError(f"the opening hours of {day} overlap")
        return self

    def ranges_on(self, weekday: int) -> list[TimeRange]:
        """The ranges of a `date.weekday()` (0 is Monday)."""
        ranges: list[TimeRange] = getattr(self, WEEKDAYS[weekday])
        return ranges


def office_hours(start: str = "09:00", end: str = "17:00") -> BusinessHours:
    """Monday to Friday, one range each, closed at the weekend."""
    day = [TimeRange(start=start, end=end)]
    return BusinessHours(
        monday=day, tuesday=day, wednesday=day, thursday=day, friday=day, saturday=[], sunday=[]
    )


# --- routing ----------------------------------------------------------------------------------


class GroupTarget(_Strict):
    kind: Literal["group"]
    group_id: uuid.UUID


class UserTarget(_Strict):
    kind: Literal["user"]
    user_id: uuid.UUID


class VoicemailTarget(_Strict):
    kind: Literal["voicemail"]
    greeting: Annotated[str, one_line(500, min_length=0)] = ""


class PhoneNumberTarget(_Strict):
    kind: Literal["phone_number"]
    phone_number: E164


RoutingTarget = Annotated[
    GroupTarget | UserTarget | VoicemailTarget | PhoneNumberTarget, Field(discriminator="kind")
]
"""Where a call goes: a group, a portal user, voicemail, or an external phone number."""


class Routing(_Strict):
    """Where calls go while open, while closed, and on a holiday."""

    open: RoutingTarget
    closed: RoutingTarget
    holiday: RoutingTarget


# --- holidays ---------------------------------------------------------------------------------

HolidayKind = Literal["public", "custom"]


class HolidayDay(_Strict):
    """One concrete holiday date."""

    date: dt.date
    name: Annotated[str, one_line(100)]
    kind: HolidayKind = "custom"
    observed: bool = True
    """False keeps a public holiday listed but treats the day as a normal day."""
    auto_renew: bool = False
    """Custom days only: the holiday task carries this day into the next year."""

    @model_validator(mode="after")
    def _only_custom_days_renew(self) -> HolidayDay:
        if self.auto_renew and self.kind != "custom":
            raise ValueError("only custom days auto-renew; public days follow the calendar")
        return self

    def sort_key(self) -> tuple[dt.date, str, str]:
        return (self.date, self.kind, self.name)


class HolidayYear(_Strict):
    """The holiday dates of one calendar year, sorted by date."""

    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    days: list[HolidayDay] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _days_belong_to_the_year(self) -> HolidayYear:
        seen: set[tuple[dt.date, str]] = set()
        for day in self.days:
            if day.date.year != self.year:
                raise ValueError(f"{day.date} is listed under {self.year}")
            if (day.date, day.name) in seen:
                raise ValueError(f"{day.name!r} is listed twice on {day.date}")
            seen.add((day.date, day.name))
        return self

    @field_validator("days")
    @classmethod
    def _sorted_by_date(cls, days: list[HolidayDay]) -> list[HolidayDay]:
        return sorted(days, key=HolidayDay.sort_key)


@cache
def _supported_countries() -> dict[str, tuple[str, ...]]:
    return {code: tuple(subs) for code, subs in holiday_library.list_supported_countries().items()}


def _known_country(value: str | None) -> str | None:
    if value is not None and value not in _supported_countries():
        raise ValueError(f"no public-holiday calendar for country {value!r}")
    return value


class Holidays(_Strict):
    """Public holidays of `country` (and optional `subdivision`) plus custom days, per year."""

    country: Annotated[
        str | None,
        Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. 'GB'."),
        AfterValidator(_known_country),
    ] = None
    subdivision: Annotated[str, one_line(40)] | None = None
    years: list[HolidayYear] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _consistent(self) -> Holidays:
        if self.subdivision is not None:
            if self.country is None:
                raise ValueError("a subdivision needs a country")
            if self.subdivision not in _supported_countries()[self.country]:
                raise ValueError(f"{self.country} has no subdivision {self.subdivision!r}")
        numbers = [y.year for y in self.years]
        if len(set(numbers)) != len(numbers):
            raise ValueError("a year is listed twice")
        return self

    @field_validator("years")
    @classmethod
    def _sorted_by_year(cls, years: list[HolidayYear]) -> list[HolidayYear]:
        return sorted(years, key=lambda y: y.year)

    def year(self, year: int) -> HolidayYear | None:
        return next((y for y in self.years if y.year == year), None)

    def day_on(self, when: dt.date) -> HolidayDay | None:
        """The observed holiday on `when`, if there is one."""
        listed = self.year(when.year)
        days = listed.days if listed else []
        return next((d for d in days if d.date == when and d.observed), None)


# --- the call flow ----------------------------------------------------------------------------


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError(f"unknown time zone {value!r}")
    return value


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, description="An IANA name, e.g. 'Europe/London'."),
    AfterValidator(_known_time_zone),
]


class CallFlowWrite(_Strict):
    """The body of POST and PUT; `time_zone` defaults to the tenant's."""

    name: Annotated[str, one_line(120)]
    phone_number: E164
    time_zone: TimeZoneName | None = None
    business_hours: BusinessHours = Field(default_factory=office_hours)
    routing: Routing
    holidays: Holidays = Field(default_factory=Holidays)


class CallFlowCreate(CallFlowWrite):
    pass


class CallFlowUpdate(CallFlowWrite):
    """A full replacement; with `version`, refused (409) if someone changed the flow meanwhile."""

    version: int | None = Field(default=None, ge=1)


class CallFlowRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    phone_number: str
    time_zone: str
    business_hours: BusinessHours
    routing: Routing
    holidays: Holidays
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def as_update(self) -> CallFlowUpdate:
        """The PUT body that writes this call flow back unchanged."""
        return CallFlowUpdate(
            name=self.name,
            phone_number=self.phone_number,
            time_zone=self.time_zone,
            business_hours=self.business_hours,
            routing=self.routing,
            holidays=self.holidays,
            version=self.version,
        )


class CallFlowList(BaseModel):
    items: list[CallFlowRead]
