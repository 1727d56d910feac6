"""The activity chart's counts on both databases, against a brute-force count of the same
entries: day buckets at London's midnights across the night summer time begins, and hours."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from asgi_audit import (
    Action,
    Actor,
    ActorType,
    AuditEvent,
    AuditLog,
    InvalidQuery,
    Outcome,
    Resource,
    SqlAuditStore,
    activity_query,
    parse_query,
)
from asgi_audit.testing import make_event

LONDON = ZoneInfo("Europe/London")
SUMMER_TIME_BEGINS = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
"""01:00 UTC on Sunday 29 March 2026: London's clocks go from 01:00 to 02:00."""
STATUSES = (200, 201, 204, 400, 401, 403, 404, 409, 500, None)
CATEGORIES = ("modifications", "reads", "refused", "failed", "unknown")


def _entries(tenant: uuid.UUID, count: int) -> list[AuditEvent]:
    rng = random.Random(13)
    start = datetime(2026, 3, 26, 22, 0, tzinfo=UTC)
    users = [Actor(ActorType.USER, str(n), f"user{n}@contoso.example", f"User {n}") for n in (1, 2)]
    actors = [*users, Actor(ActorType.SYSTEM, "holiday-import", None, "holiday-import")]
    made = []
    for _ in range(count):
        at = start + timedelta(seconds=rng.randrange(6 * 86_400), microseconds=rng.randrange(10**6))
        made.append(
            make_event(
                tenant,
                occurred_at=at,
                action=rng.choice(list(Action)),
                status=rng.choice(STATUSES),
                actor=rng.choice(actors),
                resource=Resource(rng.choice(("group", "audit_log")), None),
            )
        )
    return made


def _category(e: AuditEvent) -> str:
    if e.status is None:
        return "unknown"
    if e.status in (401, 403):
        return "refused"
    if e.status >= 400:
        return "failed"
    return "reads" if e.action is Action.READ else "modifications"


def _brute_force(
    entries: list[AuditEvent], start: datetime, end: datetime, bucket_of: Any
) -> Counter[tuple[Any, str]]:
    return Counter(
        (bucket_of(e.occurred_at), _category(e)) for e in entries if start <= e.occurred_at < end
    )


def _charted(chart: dict[str, Any], key: Any) -> Counter[tuple[Any, str]]:
    counted: Counter[tuple[Any, str]] = Counter()
    for bucket in chart["buckets"]:
        for category in ("modifications", "reads", "refused", "failed", "unknown"):
            if bucket[category]:
                counted[(key(bucket), category)] += bucket[category]
    return counted


@pytest.fixture
def charted(store: SqlAuditStore) -> tuple[AuditLog, uuid.UUID, list[AuditEvent]]:
    tenant = uuid.uuid4()
    entries = _entries(tenant, 600)
    store.write(entries, [])
    store.write(_entries(uuid.uuid4(), 50), [])  # another tenant's
    return AuditLog(store, cursor_key=b"k"), tenant, entries


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_day_buckets_start_at_local_midnight_across_the_start_of_summer_time(
    charted: tuple[AuditLog, uuid.UUID, list[AuditEvent]],
) -> None:
    log, tenant, entries = charted
    criteria = parse_query(
        tenant, action_type="all", start="2026-03-27", end="2026-03-31", tz=LONDON
    ).criteria
    chart = log.activity(activity_query(criteria, "auto", LONDON))

    assert chart["bucket"] == "day"
    assert chart["time_zone"] == "Europe/London"
    starts = [_instant(b["start"]) for b in chart["buckets"]]
    assert [s.astimezone(LONDON).date() for s in starts] == [
        date(2026, 3, 27) + timedelta(days=n) for n in range(5)
    ]
    lengths = [_instant(b["end"]) - _instant(b["start"]) for b in chart["buckets"]]
    assert lengths[2] == timedelta(hours=23)  # Sunday 29 March
    assert _charted(chart, lambda b: _instant(b["start"]).astimezone(LONDON).date()) == (
        _brute_force(entries, criteria.start, criteria.end, lambda at: at.astimezone(LONDON).date())
    )
    assert chart["totals"]["total"] == sum(b["total"] for b in chart["buckets"])
    assert {type(n) for b in chart["buckets"] for k, n in b.items() if k in CATEGORIES} == {int}
    assert chart["totals"]["total"] == sum(
        1 for e in entries if criteria.start <= e.occurred_at < criteria.end
    )


def test_hour_buckets_follow_the_filters_and_count_every_category_once(
    charted: tuple[AuditLog, uuid.UUID, list[AuditEvent]],
) -> None:
    log, tenant, entries = charted
    start, end = "2026-03-28T12:30:00+00:00", "2026-03-29T20:00:00+00:00"
    criteria = parse_query(
        tenant, start=start, end=end, exclude_resource_type="audit_log", tz=LONDON
    ).criteria
    chart = log.activity(activity_query(criteria, None, LONDON))

    assert chart["bucket"] == "hour"
    bounds = [_instant(b["start"]) for b in chart["buckets"]]
    assert bounds[0] == _instant(start)
    assert bounds[1] == datetime(2026, 3, 28, 13, 0, tzinfo=UTC)
    assert SUMMER_TIME_BEGINS in bounds
    assert _instant(chart["buckets"][-1]["end"]) == _instant(end)
    kept = [e for e in entries if e.action is not Action.READ and e.resource.type != "audit_log"]

    def hour(at: datetime) -> datetime:
        return max(b for b in bounds if b <= at)

    assert _charted(chart, lambda b: _instant(b["start"])) == _brute_force(
        kept, criteria.start, criteria.end, hour
    )
    for bucket in chart["buckets"]:
        categories = ("modifications", "reads", "refused", "failed", "unknown")
        assert bucket["total"] == sum(bucket[c] for c in categories)
        assert bucket["reads"] == 0


def test_a_chart_of_more_than_400_buckets_is_refused_naming_the_bucket(
    charted: tuple[AuditLog, uuid.UUID, list[AuditEvent]],
) -> None:
    _log, tenant, _entries = charted
    criteria = parse_query(tenant, start="2026-01-01", end="2026-03-01", tz=LONDON).criteria
    with pytest.raises(InvalidQuery) as refused:
        activity_query(criteria, "hour", LONDON)
    assert refused.value.parameter == "bucket"
    with pytest.raises(InvalidQuery):
        activity_query(criteria, "week", LONDON)


def test_the_rollup_counts_each_entry_once_as_it_becomes_final_completed_or_sealed(
    store: SqlAuditStore,
) -> None:
    """Entries count in the rollup when they take their place in the log; until then (and in
    the partial quarter hours at either end of the range) the chart counts them by a scan."""
    tenant = uuid.uuid4()
    made = _entries(tenant, 300)
    pending = [e for e in made if e.status is None]
    completing = [
        replace(e, status=None, outcome=Outcome.UNKNOWN) for e in made if e.status is not None
    ][:40]
    kept_pending = {e.id for e in completing}
    store.write([e for e in made if e.id not in kept_pending], [])
    store.write(completing, [])
    log = AuditLog(store, cursor_key=b"k")
    start, end = "2026-03-27T09:07:00+00:00", "2026-03-30T17:52:30+00:00"
    criteria = parse_query(tenant, action_type="all", start=start, end=end, tz=LONDON).criteria
    query = activity_query(criteria, "day", LONDON)

    def brute() -> Counter[tuple[Any, str]]:
        stored = [store.get(tenant, e.id) for e in made]
        return _brute_force(
            [e for e in stored if e is not None],
            criteria.start,
            criteria.end,
            lambda at: at.astimezone(LONDON).date(),
        )

    def charted() -> Counter[tuple[Any, str]]:
        chart = log.activity(query)
        return _charted(chart, lambda b: _instant(b["start"]).astimezone(LONDON).date())

    assert charted() == brute()
    store.write([], [e.completed(201, 1.0, None, None) for e in completing[:20]])
    assert charted() == brute()
    assert store.seal(datetime(2027, 1, 1, tzinfo=UTC), 1000) == len(pending) + 20
    assert charted() == brute()
    with store.engine.connect() as conn:
        rolled = conn.execute(text("SELECT sum(count) FROM audit_activity")).scalar()
    assert rolled == len(made)
