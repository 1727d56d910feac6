"""Query parameters and cursors: validation, defaults, and cursors bound to tenant and filters."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from asgi_audit import (
    MODIFICATIONS,
    Action,
    ActorType,
    AuditLog,
    AuditQuery,
    InvalidCursor,
    InvalidQuery,
    RangeTooLarge,
    parse_query,
)
from asgi_audit.store.memory import MemoryAuditStore
from asgi_audit.testing import make_event

TENANT = uuid.uuid4()
KEY = b"test-cursor-key"
AT = datetime(2026, 7, 1, 12, tzinfo=UTC)
"""When the newest entry of `_log_with_entries` is made: not the real clock, which may have just
passed midnight and left the older entries on the day before the default view."""


def query(tenant: uuid.UUID = TENANT, **params: object) -> AuditQuery:
    """`parse_query` on the day of `AT`: its default view is that day."""
    return parse_query(tenant, today=AT.date(), **params)  # type: ignore[arg-type]


def test_by_default_a_search_shows_todays_modifications_in_the_tenants_time_zone() -> None:
    tz = ZoneInfo("America/New_York")
    query = parse_query(TENANT, tz=tz, today=date(2026, 7, 1))
    assert query.criteria.actions == MODIFICATIONS
    assert query.criteria.start == datetime(2026, 7, 1, 4, tzinfo=UTC)
    assert query.criteria.end == datetime(2026, 7, 2, 4, tzinfo=UTC)
    assert query.limit == 50


def test_a_date_means_the_whole_day_and_a_naive_time_the_tenants_zone() -> None:
    tz = ZoneInfo("Europe/Berlin")
    query = parse_query(TENANT, start="2026-01-01T08:00:00", end="2026-01-31", tz=tz)
    assert query.criteria.start == datetime(2026, 1, 1, 7, tzinfo=UTC)
    assert query.criteria.end == datetime(2026, 1, 31, 23, tzinfo=UTC)


def test_filters_are_normalised() -> None:
    user = uuid.uuid4()
    query = parse_query(
        TENANT,
        action_type="ALL",
        actor_type="system",
        actor=str(user).upper(),
        status="4XX",
        q="  Sales ",
        resource_type="group",
        limit="200",
    )
    c = query.criteria
    assert (c.actions, c.actor_type, c.actor_id) == (None, ActorType.SYSTEM, str(user))
    assert (c.status_min, c.status_max, c.text, c.resource_type) == (400, 499, "Sales", "group")
    assert query.limit == 200
    by_email = parse_query(
        TENANT, actor="Alice@Contoso.Example", action_type="delete", status="404"
    )
    assert (by_email.criteria.actor_email, by_email.criteria.actor_id) == (
        "alice@contoso.example",
        None,
    )
    assert by_email.criteria.actions == {Action.DELETE}
    assert (by_email.criteria.status_min, by_email.criteria.status_max) == (404, 404)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"action_type": "update"}, "action_type"),
        ({"actor_type": "robot"}, "actor_type"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "from"),
        ({"start": "yesterday"}, "from"),
        ({"end": "2026-13-01"}, "to"),
        ({"status": "2x"}, "status"),
        ({"status": "700"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_invalid_parameters_are_refused_by_name(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(InvalidQuery) as raised:
        parse_query(TENANT, **params)  # type: ignore[arg-type]
    assert raised.value.parameter == parameter


def test_a_range_longer_than_the_maximum_is_refused() -> None:
    parse_query(TENANT, start="2025-01-01", end="2025-12-31")
    with pytest.raises(RangeTooLarge):
        parse_query(TENANT, start="2025-01-01", end="2026-01-03")


def _log_with_entries(count: int) -> tuple[AuditLog, MemoryAuditStore]:
    """`count` entries a second apart, the newest at `AT`."""
    store = MemoryAuditStore()
    store.write(
        [make_event(TENANT, occurred_at=AT - timedelta(seconds=i)) for i in range(count)], []
    )
    return AuditLog(store, cursor_key=KEY), store


def test_pages_follow_one_another_by_cursor() -> None:
    log, _ = _log_with_entries(5)
    first = log.search(query(limit=2))
    second = log.search(query(limit=2, cursor=first.next_cursor))
    third = log.search(query(limit=2, cursor=second.next_cursor))
    assert [len(p.items) for p in (first, second, third)] == [2, 2, 1]
    assert third.next_cursor is None
    times = [e.occurred_at for p in (first, second, third) for e in p.items]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    "change",
    [
        {"tenant_id": uuid.uuid4()},
        {"action_type": "all"},
        {"q": "group"},
        {"start": (AT.date() - timedelta(days=3)).isoformat()},
    ],
)
def test_a_cursor_used_with_another_tenant_or_other_filters_is_refused(
    change: dict[str, object],
) -> None:
    log, _ = _log_with_entries(3)
    cursor = log.search(query(limit=1)).next_cursor
    assert cursor is not None
    params: dict[str, object] = {"limit": 1, "cursor": cursor, **change}
    tenant = params.pop("tenant_id", TENANT)
    with pytest.raises(InvalidCursor):
        log.search(query(tenant, **params))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2] + "AA",
        lambda c: c[:5] + ("B" if c[5] != "B" else "C") + c[6:],
        lambda c: c[:10],
        lambda c: "%%%",
    ],
)
def test_a_tampered_or_malformed_cursor_is_refused(mangle: object) -> None:
    log, _ = _log_with_entries(3)
    cursor = log.search(query(limit=1)).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        log.search(query(limit=1, cursor=mangle(cursor)))  # type: ignore[operator]


def test_a_cursor_made_with_another_key_is_refused() -> None:
    log, store = _log_with_entries(3)
    cursor = log.search(query(limit=1)).next_cursor
    with pytest.raises(InvalidCursor):
        AuditLog(store, cursor_key=b"other").search(query(limit=1, cursor=cursor))


def test_an_entry_is_found_only_in_its_own_tenant() -> None:
    log, store = _log_with_entries(1)
    [entry] = store.all()
    assert log.get(TENANT, entry.id) == entry
    assert log.get(TENANT, str(entry.id)) == entry
    assert log.get(uuid.uuid4(), entry.id) is None
    assert log.get(TENANT, "not-an-id") is None
