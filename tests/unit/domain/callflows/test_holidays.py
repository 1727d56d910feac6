"""The holiday calendar and the yearly migration of a call flow's holidays, as pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from callmanager.domain.callflows.holidays import (
    library_calendar,
    local_today,
    migrate_holidays,
    migration_years,
    public_days,
    renewed_date,
    replace_public_days,
    with_public_year,
)
from callmanager.domain.callflows.schemas import HolidayDay, Holidays, HolidayYear


class FakeCalendar:
    """A calendar library whose holidays a test chooses, per (country, year)."""

    def __init__(self, days: dict[tuple[str, int], Sequence[tuple[date, str]]]) -> None:
        self.days = days

    def __call__(self, country: str, subdivision: str | None, year: int) -> list[tuple[date, str]]:
        return list(self.days.get((country, year), ()))


def public(day: date, name: str, *, observed: bool = True) -> HolidayDay:
    return HolidayDay(date=day, name=name, kind="public", observed=observed)


def custom(day: date, name: str, *, auto_renew: bool = False) -> HolidayDay:
    return HolidayDay(date=day, name=name, kind="custom", auto_renew=auto_renew)


def year(number: int, *days: HolidayDay) -> HolidayYear:
    return HolidayYear(year=number, days=list(days))


def names(holidays: Holidays, number: int) -> list[tuple[date, str]]:
    listed = holidays.year(number)
    return [(d.date, d.name) for d in listed.days] if listed else []


# --- the calendar library -----------------------------------------------------------------------


def test_the_library_lists_englands_public_holidays_of_a_year() -> None:
    days = dict(library_calendar("GB", "ENG", 2026))
    assert days[date(2026, 12, 25)] == "Christmas Day"
    assert days[date(2026, 12, 28)] == "Boxing Day (observed)"
    assert all(d.year == 2026 for d in days)


def test_a_subdivision_adds_its_own_holidays() -> None:
    """Scotland, unlike England, takes 2 January off."""
    england = {day for day, _ in library_calendar("GB", "ENG", 2026)}
    scotland = {day for day, _ in library_calendar("GB", "SCT", 2026)}
    assert date(2026, 1, 2) in scotland
    assert date(2026, 1, 2) not in england


def test_holidays_sharing_a_date_are_listed_as_separate_days() -> None:
    days = library_calendar("US", "CA", 2027)
    on_presidents_day = [name for day, name in days if day == date(2027, 2, 15)]
    assert len(on_presidents_day) >= 1
    assert all(";" not in name for _, name in days)


def test_a_holiday_observed_before_new_year_belongs_to_the_old_year() -> None:
    """New Year's Day 2028 is a Saturday, so the US observes it on Friday 31 December 2027."""
    days = library_calendar("US", None, 2027)
    assert (date(2027, 12, 31), "New Year's Day (observed)") in days
    assert all(day.year == 2028 for day, _ in library_calendar("US", None, 2028))


def test_holiday_names_come_in_english_where_the_library_has_them() -> None:
    assert (date(2026, 1, 1), "New Year's Day") in library_calendar("DE", None, 2026)


def test_public_days_are_observed_public_holiday_days() -> None:
    days = public_days("GB", "ENG", 2026)
    assert days
    assert all(d.kind == "public" and d.observed and not d.auto_renew for d in days)


# --- small helpers ------------------------------------------------------------------------------


def test_a_renewed_day_keeps_its_day_and_month() -> None:
    assert renewed_date(date(2026, 12, 31), 2027) == date(2027, 12, 31)


def test_a_leap_day_renews_to_the_28th_of_february() -> None:
    assert renewed_date(date(2028, 2, 29), 2029) == date(2029, 2, 28)


def test_today_depends_on_the_time_zone_at_new_year() -> None:
    instant = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    assert local_today("Europe/London", instant) == date(2026, 12, 31)
    assert local_today("Pacific/Auckland", instant) == date(2027, 1, 1)


def test_the_migration_keeps_this_year_and_the_next_current() -> None:
    assert migration_years(date(2026, 12, 31)) == (2026, 2027)
    assert migration_years(date(2027, 1, 1)) == (2027, 2028)


# --- the migration ------------------------------------------------------------------------------

CALENDAR = FakeCalendar(
    {
        ("GB", 2026): [(date(2026, 1, 1), "New Year's Day"), (date(2026, 12, 25), "Christmas Day")],
        ("GB", 2027): [(date(2027, 1, 1), "New Year's Day"), (date(2027, 12, 25), "Christmas Day")],
        ("GB", 2028): [(date(2028, 1, 3), "New Year's Day"), (date(2028, 12, 25), "Christmas Day")],
    }
)


def test_next_years_missing_public_holidays_are_added() -> None:
    holidays = Holidays(
        country="GB",
        years=[
            year(
                2026,
                public(date(2026, 1, 1), "New Year's Day"),
                public(date(2026, 12, 25), "Christmas Day"),
            )
        ],
    )
    migration = migrate_holidays(holidays, date(2026, 6, 1), CALENDAR)
    assert names(migration.holidays, 2027) == [
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 12, 25), "Christmas Day"),
    ]
    assert [c.action for c in migration.changes] == ["public_added", "public_added"]
    assert {c.year for c in migration.changes} == {2027}


def test_a_migration_run_twice_changes_nothing_the_second_time() -> None:
    holidays = Holidays(
        country="GB", years=[year(2026, custom(date(2026, 7, 3), "Summer party", auto_renew=True))]
    )
    first = migrate_holidays(holidays, date(2026, 6, 1), CALENDAR)
    second = migrate_holidays(first.holidays, date(2026, 6, 1), CALENDAR)
    assert first.changed
    assert not second.changed
    assert second.holidays == first.holidays


def test_an_up_to_date_call_flow_comes_back_unchanged() -> None:
    holidays = migrate_holidays(Holidays(country="GB"), date(2026, 6, 1), CALENDAR).holidays
    migration = migrate_holidays(holidays, date(2026, 6, 1), CALENDAR)
    assert migration.holidays is holidays
    assert migration.changes == ()


def test_a_public_holiday_moved_in_the_library_is_corrected() -> None:
    stored = Holidays(
        country="GB",
        years=[
            year(
                2028,
                public(date(2028, 1, 1), "New Year's Day"),
                public(date(2028, 12, 25), "Christmas Day"),
            ),
        ],
    )
    migration = migrate_holidays(stored, date(2027, 3, 1), CALENDAR)
    assert (date(2028, 1, 3), "New Year's Day") in names(migration.holidays, 2028)
    assert (date(2028, 1, 1), "New Year's Day") not in names(migration.holidays, 2028)
    moved = [c for c in migration.changes if c.action == "public_moved"]
    assert len(moved) == 1
    assert moved[0].previous_dates == (date(2028, 1, 1),)
    assert moved[0].dates == (date(2028, 1, 3),)
    assert "moved public holiday" in moved[0].describe()


def test_a_moved_holiday_keeps_the_persons_choice_not_to_observe_it() -> None:
    stored = Holidays(
        country="GB",
        years=[
            year(
                2028,
                public(date(2028, 1, 1), "New Year's Day", observed=False),
                public(date(2028, 12, 25), "Christmas Day"),
            ),
        ],
    )
    migrated = migrate_holidays(stored, date(2027, 3, 1), CALENDAR).holidays
    listed = migrated.year(2028)
    assert listed is not None
    moved = next(d for d in listed.days if d.name == "New Year's Day")
    assert moved.date == date(2028, 1, 3)
    assert not moved.observed


def test_the_real_2022_spring_bank_holiday_move_is_corrected() -> None:
    """In 2022 England moved its Spring Bank Holiday from 30 May to 2 June for the Jubilee."""
    before_the_move = Holidays(
        country="GB",
        subdivision="ENG",
        years=[year(2022, public(date(2022, 5, 30), "Spring Bank Holiday"))],
    )
    migrated = migrate_holidays(before_the_move, date(2022, 1, 10)).holidays
    assert (date(2022, 6, 2), "Spring Bank Holiday") in names(migrated, 2022)
    assert (date(2022, 5, 30), "Spring Bank Holiday") not in names(migrated, 2022)
    assert (date(2022, 6, 3), "Platinum Jubilee of Elizabeth II") in names(migrated, 2022)


def test_a_public_holiday_the_library_dropped_is_removed() -> None:
    stored = Holidays(
        country="GB",
        years=[
            year(
                2026,
                public(date(2026, 1, 1), "New Year's Day"),
                public(date(2026, 6, 1), "Old Holiday"),
                public(date(2026, 12, 25), "Christmas Day"),
            )
        ],
    )
    migration = migrate_holidays(stored, date(2026, 2, 1), CALENDAR)
    assert (date(2026, 6, 1), "Old Holiday") not in names(migration.holidays, 2026)
    assert [c.action for c in migration.changes if c.year == 2026] == ["public_removed"]


def test_auto_renewing_custom_days_are_renewed_into_next_year() -> None:
    stored = Holidays(
        years=[
            year(
                2026,
                custom(date(2026, 7, 3), "Summer party", auto_renew=True),
                custom(date(2026, 9, 14), "Office move"),
            )
        ]
    )
    migration = migrate_holidays(stored, date(2026, 8, 1), CALENDAR)
    renewed = migration.holidays.year(2027)
    assert renewed is not None
    assert [(d.date, d.name, d.auto_renew) for d in renewed.days] == [
        (date(2027, 7, 3), "Summer party", True)
    ]
    assert [c.describe() for c in migration.changes] == [
        "2027: renewed custom day 'Summer party' on 2027-07-03"
    ]


def test_a_custom_day_a_person_moved_in_next_year_is_not_renewed_again() -> None:
    stored = Holidays(
        years=[
            year(2026, custom(date(2026, 7, 3), "Summer party", auto_renew=True)),
            year(2027, custom(date(2027, 7, 9), "Summer party", auto_renew=True)),
        ]
    )
    migration = migrate_holidays(stored, date(2026, 8, 1), CALENDAR)
    assert not migration.changed
    assert names(migration.holidays, 2027) == [(date(2027, 7, 9), "Summer party")]


def test_custom_days_renew_across_the_year_end() -> None:
    """Run on New Year's Day 2027, the migration covers 2027 and 2028 from the 2026 list."""
    stored = Holidays(
        country="GB",
        years=[year(2026, custom(date(2026, 12, 31), "New Year's Eve", auto_renew=True))],
    )
    migrated = migrate_holidays(stored, date(2027, 1, 1), CALENDAR).holidays
    assert [y.year for y in migrated.years] == [2026, 2027, 2028]
    assert (date(2027, 12, 31), "New Year's Eve") in names(migrated, 2027)
    assert (date(2028, 12, 31), "New Year's Eve") in names(migrated, 2028)
    assert (date(2028, 1, 3), "New Year's Day") in names(migrated, 2028)


def test_the_years_covered_follow_the_call_flows_time_zone_at_new_year() -> None:
    stored = Holidays(country="GB")
    instant = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    in_london = migrate_holidays(stored, local_today("Europe/London", instant), CALENDAR)
    in_auckland = migrate_holidays(stored, local_today("Pacific/Auckland", instant), CALENDAR)
    assert [y.year for y in in_london.holidays.years] == [2026, 2027]
    assert [y.year for y in in_auckland.holidays.years] == [2027, 2028]


def test_a_leap_day_custom_day_renews_on_the_28th() -> None:
    stored = Holidays(years=[year(2028, custom(date(2028, 2, 29), "Leap party", auto_renew=True))])
    migrated = migrate_holidays(stored, date(2028, 3, 1), CALENDAR).holidays
    assert names(migrated, 2029) == [(date(2029, 2, 28), "Leap party")]


def test_without_a_country_no_public_holidays_are_added() -> None:
    migration = migrate_holidays(Holidays(), date(2026, 6, 1), CALENDAR)
    assert migration.holidays.years == []
    assert not migration.changed


def test_past_years_are_left_alone() -> None:
    old = year(2020, public(date(2020, 1, 1), "Some Old Name"))
    stored = Holidays(country="GB", years=[old])
    migrated = migrate_holidays(stored, date(2026, 6, 1), CALENDAR).holidays
    assert migrated.year(2020) == old


def test_custom_days_stay_when_public_days_are_synced() -> None:
    stored = Holidays(country="GB", years=[year(2026, custom(date(2026, 1, 1), "Stocktake"))])
    migrated = migrate_holidays(stored, date(2026, 6, 1), CALENDAR).holidays
    assert (date(2026, 1, 1), "Stocktake") in names(migrated, 2026)
    assert (date(2026, 1, 1), "New Year's Day") in names(migrated, 2026)


# --- create and country changes -----------------------------------------------------------------


def test_a_new_call_flow_gets_its_current_years_public_holidays() -> None:
    holidays = with_public_year(Holidays(country="GB"), 2026, CALENDAR)
    assert names(holidays, 2026) == [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 12, 25), "Christmas Day"),
    ]


def test_a_new_call_flows_listed_year_gets_its_public_holidays_beside_the_custom_days() -> None:
    listed = Holidays(country="GB", years=[year(2026, custom(date(2026, 3, 1), "Own day"))])
    assert names(with_public_year(listed, 2026, CALENDAR), 2026) == [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 3, 1), "Own day"),
        (date(2026, 12, 25), "Christmas Day"),
    ]


def test_a_year_already_matching_the_calendar_is_left_as_it_is() -> None:
    filled = with_public_year(Holidays(country="GB"), 2026, CALENDAR)
    assert with_public_year(filled, 2026, CALENDAR) is filled


def test_changing_the_country_replaces_every_listed_years_public_days() -> None:
    calendar = FakeCalendar({("US", 2026): [(date(2026, 7, 4), "Independence Day")]})
    stored = Holidays(
        country="US",
        years=[
            year(
                2026, public(date(2026, 12, 26), "Boxing Day"), custom(date(2026, 3, 1), "Own day")
            )
        ],
    )
    replaced = replace_public_days(stored, calendar)
    assert names(replaced, 2026) == [
        (date(2026, 3, 1), "Own day"),
        (date(2026, 7, 4), "Independence Day"),
    ]
