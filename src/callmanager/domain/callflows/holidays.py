"""Public holidays from the calendar library, and the yearly migration of a call flow's holidays.

Everything here is a pure function of its arguments (the calendar is passed in, so tests can play
a library update that moves a holiday). The migration looks at the current and the next year:

- a year missing from the list gets the calendar's public holidays;
- public days follow the calendar: missing ones are added, moved ones corrected, dropped ones
  removed; a person's `observed` choice survives a move;
- auto-renewing custom days of the latest earlier year are carried into the year, same day and
  month (29 February becomes 28 February), unless a custom day of that name is already there.

Running it twice changes nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays as holiday_library

from callmanager.domain.callflows.schemas import HolidayDay, Holidays, HolidayYear

PublicCalendar = Callable[[str, str | None, int], Sequence[tuple[date, str]]]
"""(country, subdivision, year) -> the public holidays of that year as (date, name) pairs."""


@lru_cache(maxsize=1024)
def library_calendar(
    country: str, subdivision: str | None, year: int
) -> tuple[tuple[date, str], ...]:
    """The `holidays` package's public holidays, named in English where the package can."""
    entity = holiday_library.country_holidays(country, subdiv=subdivision, years=year)
    language = _english(entity)
    if language is not None:
        entity = holiday_library.country_holidays(
            country, subdiv=subdivision, years=year, language=language
        )
    pairs = {(day, name) for day in entity for name in entity.get_list(day) if day.year == year}
    return tuple(sorted(pairs))


def _english(entity: holiday_library.HolidayBase) -> str | None:
    default = str(getattr(entity, "default_language", None) or "")
    supported = tuple(getattr(entity, "supported_languages", ()) or ())
    if default.startswith("en") or "en_US" not in supported:
        return None
    return "en_US"


def public_days(
    country: str, subdivision: str | None, year: int, calendar: PublicCalendar = library_calendar
) -> list[HolidayDay]:
    """The calendar's public holidays of `year` as observed holiday days."""
    return [
        HolidayDay(date=day, name=name, kind="public")
        for day, name in calendar(country, subdivision, year)
    ]


def local_today(time_zone: str, now: datetime) -> date:
    """The date it is in `time_zone` at the aware instant `now`."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def renewed_date(day: date, year: int) -> date:
    """The same day and month in `year`; 29 February falls back to 28 February."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


ChangeAction = Literal["public_added", "public_moved", "public_removed", "custom_renewed"]


@dataclass(frozen=True, slots=True)
class Change:
    """One thing the migration changed, for the task's log."""

    action: ChangeAction
    year: int
    name: str
    dates: tuple[date, ...]
    previous_dates: tuple[date, ...] = ()

    def describe(self) -> str:
        dates = ", ".join(d.isoformat() for d in self.dates)
        previous = ", ".join(d.isoformat() for d in self.previous_dates)
        match self.action:
            case "public_added":
                return f"{self.year}: added public holiday {self.name!r} on {dates}"
            case "public_moved":
                return f"{self.year}: moved public holiday {self.name!r} from {previous} to {dates}"
            case "public_removed":
                return f"{self.year}: removed public holiday {self.name!r} on {previous}"
            case "custom_renewed":
                return f"{self.year}: renewed custom day {self.name!r} on {dates}"


@dataclass(frozen=True, slots=True)
class Migration:
    """The migrated holidays and what changed; `changes` is empty when nothing had to."""

    holidays: Holidays
    changes: tuple[Change, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def migration_years(today: date) -> tuple[int, ...]:
    """The years the migration keeps current: this one and the next."""
    return (today.year, today.year + 1)


def migrate_holidays(
    holidays: Holidays, today: date, calendar: PublicCalendar = library_calendar
) -> Migration:
    """Bring this year's and next year's holidays up to date (see the module docstring)."""
    years = {y.year: list(y.days) for y in holidays.years}
    changes: list[Change] = []
    for year in migration_years(today):
        days = years.get(year, [])
        if holidays.country is not None:
            wanted = calendar(holidays.country, holidays.subdivision, year)
            days, synced = sync_public_days(days, wanted, year)
            changes += synced
        source = _latest_before(years, year)
        days, renewed = renew_custom_days(source, days, year)
        changes += renewed
        if year in years or days:
            years[year] = days
    if not changes:
        return Migration(holidays, ())
    migrated = Holidays(
        country=holidays.country,
        subdivision=holidays.subdivision,
        years=[HolidayYear(year=y, days=d) for y, d in sorted(years.items())],
    )
    return Migration(migrated, tuple(changes))


def _latest_before(years: dict[int, list[HolidayDay]], year: int) -> list[HolidayDay]:
    earlier = [y for y in years if y < year]
    return years[max(earlier)] if earlier else []


def sync_public_days(
    days: Sequence[HolidayDay], wanted: Iterable[tuple[date, str]], year: int
) -> tuple[list[HolidayDay], list[Change]]:
    """Make the public days of one year match the calendar's, keeping custom days as they are."""
    stored: dict[str, list[HolidayDay]] = defaultdict(list)
    for day in days:
        if day.kind == "public":
            stored[day.name].append(day)
    target: dict[str, list[date]] = defaultdict(list)
    for when, name in wanted:
        target[name].append(when)

    result = [d for d in days if d.kind != "public"]
    changes: list[Change] = []
    for name, dates in sorted(target.items()):
        new_dates = tuple(sorted(dates))
        old = stored.pop(name, [])
        old_dates = tuple(sorted(d.date for d in old))
        if old and old_dates == new_dates:
            result += old
            continue
        observed = any(d.observed for d in old) if old else True
        result += [
            HolidayDay(date=d, name=name, kind="public", observed=observed) for d in new_dates
        ]
        if old:
            changes.append(Change("public_moved", year, name, new_dates, old_dates))
        else:
            changes.append(Change("public_added", year, name, new_dates))
    for name, old in sorted(stored.items()):
        changes.append(Change("public_removed", year, name, (), tuple(sorted(d.date for d in old))))
    return sorted(result, key=HolidayDay.sort_key), changes


def renew_custom_days(
    source: Sequence[HolidayDay], days: Sequence[HolidayDay], year: int
) -> tuple[list[HolidayDay], list[Change]]:
    """Carry the auto-renewing custom days of `source` into `year` unless already there by name."""
    present = {d.name for d in days if d.kind == "custom"}
    result = list(days)
    changes: list[Change] = []
    for day in source:
        if day.kind != "custom" or not day.auto_renew or day.name in present:
            continue
        renewed = day.model_copy(update={"date": renewed_date(day.date, year)})
        result.append(renewed)
        present.add(day.name)
        changes.append(Change("custom_renewed", year, day.name, (renewed.date,)))
    return sorted(result, key=HolidayDay.sort_key), changes


def with_public_year(
    holidays: Holidays, year: int, calendar: PublicCalendar = library_calendar
) -> Holidays:
    """`holidays` with the public days of `year` matching the calendar, listing the year if new."""
    if holidays.country is None:
        return holidays
    listed = holidays.year(year)
    wanted = calendar(holidays.country, holidays.subdivision, year)
    days, changes = sync_public_days(listed.days if listed else [], wanted, year)
    if not changes:
        return holidays
    others = [y for y in holidays.years if y.year != year]
    return Holidays(
        country=holidays.country,
        subdivision=holidays.subdivision,
        years=[*others, HolidayYear(year=year, days=days)],
    )


def replace_public_days(
    holidays: Holidays, calendar: PublicCalendar = library_calendar
) -> Holidays:
    """Every listed year's public days replaced by those of the (new) country and subdivision."""
    years = []
    for listed in holidays.years:
        custom = [d for d in listed.days if d.kind != "public"]
        public = (
            public_days(holidays.country, holidays.subdivision, listed.year, calendar)
            if holidays.country is not None
            else []
        )
        years.append(HolidayYear(year=listed.year, days=custom + public))
    return Holidays(country=holidays.country, subdivision=holidays.subdivision, years=years)
