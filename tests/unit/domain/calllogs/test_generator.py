"""The call traffic generator: reproducible, shaped like a working week, plausible calls."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callmanager.domain.calllogs.generator import GeneratedCall, demo_users, generate_calls
from callmanager.domain.calllogs.schemas import CallResult, Direction

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


def week(seed: int = 7, time_zone: str = "Europe/London") -> list[GeneratedCall]:
    return list(
        generate_calls(
            start=MONDAY,
            end=MONDAY + timedelta(days=7),
            time_zone=time_zone,
            users=demo_users(20, seed=1),
            seed=seed,
        )
    )


def test_the_same_seed_gives_the_same_calls_ids_included() -> None:
    assert week(seed=3) == week(seed=3)


def test_another_seed_gives_other_calls() -> None:
    assert week(seed=3) != week(seed=4)


def test_calls_come_in_time_order_within_the_range() -> None:
    calls = week()
    times = [c.started_at for c in calls]
    assert times == sorted(times)
    assert times[0] >= MONDAY
    assert times[-1] < MONDAY + timedelta(days=7)


def test_a_shorter_range_repeats_the_longer_ranges_calls() -> None:
    """Generating part of a range gives exactly those calls, so demo top-ups never differ."""
    middle = MONDAY + timedelta(days=2, hours=10, minutes=17)
    part = list(
        generate_calls(
            start=middle,
            end=middle + timedelta(hours=5),
            time_zone="Europe/London",
            users=demo_users(20, seed=1),
            seed=7,
        )
    )
    assert part
    assert part == [c for c in week() if middle <= c.started_at < middle + timedelta(hours=5)]


def test_ids_are_unique_and_sort_like_the_start_times() -> None:
    calls = week()
    assert len({c.id for c in calls}) == len(calls)
    assert [c.id.version for c in calls[:5]] == [7] * 5
    by_ms = [c for c in calls if c.started_at.microsecond == 0]
    assert by_ms == sorted(by_ms, key=lambda c: c.id)


def test_traffic_peaks_in_business_hours_of_the_tenants_time_zone() -> None:
    zone = ZoneInfo("America/New_York")
    calls = week(time_zone="America/New_York")
    local_hours = Counter(c.started_at.astimezone(zone).hour for c in calls)
    business = sum(local_hours[h] for h in range(9, 17))
    assert business > 0.7 * len(calls)
    assert local_hours[10] > 10 * max(local_hours[3], 1)


def test_weekends_are_quiet() -> None:
    zone = ZoneInfo("Europe/London")
    days = Counter(c.started_at.astimezone(zone).weekday() for c in week())
    assert days[5] + days[6] < 0.1 * (days[0] + days[1])


def test_durations_are_realistic() -> None:
    calls = week()
    answered = [c.duration_s for c in calls if c.result is CallResult.ANSWERED]
    assert 60 < statistics.median(answered) < 400
    assert max(answered) > 3 * statistics.median(answered)  # a long tail
    assert all(c.duration_s == 0 for c in calls if c.result in {CallResult.MISSED, CallResult.BUSY})


def test_most_calls_are_answered_and_every_outcome_happens() -> None:
    outcomes = Counter(c.result for c in week())
    assert outcomes[CallResult.ANSWERED] > 0.6 * sum(outcomes.values())
    assert set(outcomes) == set(CallResult)


def test_the_user_is_on_the_right_end_of_the_call() -> None:
    for call in week()[:200]:
        user_end = call.to_number if call.direction is Direction.INBOUND else call.from_number
        assert user_end.startswith("+44")
        assert call.from_number != call.to_number


def test_demo_users_are_distinct_and_keep_their_call_type() -> None:
    users = demo_users(40, seed=2)
    assert len({u.user_principal_name for u in users}) == 40
    assert len({u.number for u in users}) == 40
    types = {u.name: u.call_type for u in demo_users(20, seed=1)}
    assert all(types[c.user_name] is c.call_type for c in week())


def test_us_demo_users_get_fictional_555_numbers() -> None:
    assert all(u.number[5:8] == "555" for u in demo_users(10, country="US"))


def test_asking_for_more_demo_users_than_names_is_an_error() -> None:
    with pytest.raises(ValueError, match="at most"):
        demo_users(10_000)


def test_no_users_means_no_calls() -> None:
    calls = generate_calls(
        start=MONDAY, end=MONDAY + timedelta(days=1), time_zone="UTC", users=[], seed=1
    )
    assert list(calls) == []
