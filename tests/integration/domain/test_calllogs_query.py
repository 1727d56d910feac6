"""Listing call logs on both databases: range, filters, search, keyset pages, isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from callmanager.domain.calllogs.generator import (
    GeneratedCall,
    demo_users,
    generate_calls,
    insert_calls,
)
from callmanager.domain.calllogs.query import CallLogFilter, list_call_logs
from callmanager.domain.calllogs.schemas import CallResult, CallType, Direction
from callmanager.errors import BadQuery
from tests.integration.domain.conftest import new_tenant

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]


def seed(
    sessions: Sessions, tenant_id: uuid.UUID, days: int = 14, seed: int = 1
) -> list[GeneratedCall]:
    calls = list(
        generate_calls(
            start=NOW - timedelta(days=days),
            end=NOW,
            time_zone="Europe/London",
            users=demo_users(8, seed=seed),
            seed=seed,
        )
    )
    with sessions() as db:
        insert_calls(db, tenant_id, calls, batch_size=100)
        db.commit()
    return calls


def newest_first(calls: list[GeneratedCall]) -> list[uuid.UUID]:
    return [c.id for c in sorted(calls, key=lambda c: (c.started_at, c.id), reverse=True)]


def all_pages(
    db: Session, tenant_id: uuid.UUID, filters: CallLogFilter, limit: int
) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    cursor = None
    while True:
        page = list_call_logs(db, tenant_id, filters, limit=limit, cursor=cursor, now=NOW)
        ids += [item.id for item in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def test_the_default_list_is_the_last_seven_days_newest_first(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    calls = seed(sessions, tenant_id)
    recent = [c for c in calls if c.started_at >= NOW - timedelta(days=7)]
    with sessions() as db:
        page = list_call_logs(db, tenant_id, CallLogFilter(), limit=20, now=NOW)
    assert [item.id for item in page.items] == newest_first(recent)[:20]
    assert page.start == NOW - timedelta(days=7)
    assert page.end == NOW
    first = page.items[0]
    assert first.started_at.tzinfo is not None
    assert first.duration_s >= 0


def test_walking_every_page_returns_each_call_once_in_order(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    calls = seed(sessions, tenant_id)
    recent = [c for c in calls if c.started_at >= NOW - timedelta(days=7)]
    with sessions() as db:
        assert all_pages(db, tenant_id, CallLogFilter(), limit=37) == newest_first(recent)


def test_calls_at_the_same_instant_are_paged_by_id_without_loss(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    """The cursor holds (time, id), so ties on the time neither repeat nor skip a row."""
    same_time = NOW - timedelta(hours=1)
    template = seed(sessions, new_tenant(sessions, "Template"), days=1)[0]
    calls = [
        GeneratedCall(**{**_fields(template), "id": uuid.uuid4(), "started_at": same_time})
        for _ in range(7)
    ]
    with sessions() as db:
        insert_calls(db, tenant_id, calls)
        db.commit()
        assert all_pages(db, tenant_id, CallLogFilter(), limit=2) == newest_first(calls)


def _fields(call: GeneratedCall) -> dict[str, object]:
    return {name: getattr(call, name) for name in call.__dataclass_fields__}


def test_an_explicit_range_bounds_the_list(sessions: Sessions, tenant_id: uuid.UUID) -> None:
    calls = seed(sessions, tenant_id)
    start, end = NOW - timedelta(days=12), NOW - timedelta(days=10)
    inside = [c for c in calls if start <= c.started_at < end]
    with sessions() as db:
        ids = all_pages(db, tenant_id, CallLogFilter(start=start, end=end), limit=500)
    assert ids == newest_first(inside)


def test_a_range_over_ninety_days_is_refused(sessions: Sessions, tenant_id: uuid.UUID) -> None:
    filters = CallLogFilter(start=NOW - timedelta(days=91), end=NOW)
    with sessions() as db, pytest.raises(BadQuery) as refused:
        list_call_logs(db, tenant_id, filters, now=NOW)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    "filters",
    [
        CallLogFilter(direction=Direction.INBOUND),
        CallLogFilter(call_type=CallType.DIRECT_ROUTING),
        CallLogFilter(result=CallResult.VOICEMAIL),
        CallLogFilter(direction=Direction.OUTBOUND, call_type=CallType.CALLING_PLAN),
    ],
)
def test_filters_keep_only_matching_calls(
    sessions: Sessions, tenant_id: uuid.UUID, filters: CallLogFilter
) -> None:
    calls = seed(sessions, tenant_id)
    expected = [
        c
        for c in calls
        if c.started_at >= NOW - timedelta(days=7)
        and filters.direction in (None, c.direction)
        and filters.call_type in (None, c.call_type)
        and filters.result in (None, c.result)
    ]
    with sessions() as db:
        ids = all_pages(db, tenant_id, filters, limit=500)
    assert expected
    assert ids == newest_first(expected)


def test_a_search_finds_calls_by_part_of_a_number_in_any_spacing(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    calls = seed(sessions, tenant_id)
    number = calls[-1].from_number  # e.g. +441614960468
    spaced = f"{number[3:6]} {number[6:9]} {number[9:]}"
    expected = [
        c
        for c in calls
        if c.started_at >= NOW - timedelta(days=7) and number in (c.from_number, c.to_number)
    ]
    with sessions() as db:
        ids = all_pages(db, tenant_id, CallLogFilter(search=spaced), limit=500)
    assert set(newest_first(expected)) <= set(ids)
    assert ids


def test_a_search_finds_calls_by_user_name_ignoring_case(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    calls = seed(sessions, tenant_id)
    name = calls[-1].user_name
    expected = [c for c in calls if c.started_at >= NOW - timedelta(days=7) and c.user_name == name]
    with sessions() as db:
        ids = all_pages(db, tenant_id, CallLogFilter(search=name.upper()), limit=500)
    assert ids == newest_first(expected)


def test_like_wildcards_in_a_search_match_literally(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    seed(sessions, tenant_id)
    with sessions() as db:
        page = list_call_logs(db, tenant_id, CallLogFilter(search="%"), now=NOW)
    assert page.items == []


def test_another_tenants_calls_are_never_listed(sessions: Sessions, tenant_id: uuid.UUID) -> None:
    seed(sessions, new_tenant(sessions, "Fabrikam"))
    with sessions() as db:
        assert list_call_logs(db, tenant_id, CallLogFilter(), now=NOW).items == []


def test_a_tampered_cursor_is_refused(sessions: Sessions, tenant_id: uuid.UUID) -> None:
    with sessions() as db, pytest.raises(BadQuery, match="cursor"):
        list_call_logs(db, tenant_id, CallLogFilter(), cursor="garbage!", now=NOW)
