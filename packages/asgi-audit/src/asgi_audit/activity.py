"""The shape of a period: a search's entries counted per hour or per day, by category.

Buckets are contiguous over the search's [from, to), oldest first, zeros included; inner edges
fall on the tenant's local hours or midnights (so a day is 23 or 25 hours across a change of
summer time). The store counts per slot of UTC time as fine as the edges need (an hour, else a
minute, else a second), and each slot falls wholly in one bucket: the store never learns about
time zones, and its query is one pass over a covering index.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from asgi_audit.errors import InvalidQuery
from asgi_audit.record import format_instant
from asgi_audit.store.port import Category, Criteria, SlotCount
from asgi_audit.types import JSON, JSONObject

MAX_BUCKETS = 400
"""The most buckets one chart may have."""
AUTO_HOURS_UP_TO = timedelta(hours=48)
"""`auto` buckets by hour up to this range, by day beyond."""
SLOTS = (3600, 60, 1)
"""The slot sizes the store counts by, coarsest first (seconds of UTC)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BucketSize(StrEnum):
    AUTO = "auto"
    HOUR = "hour"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    """One validated activity request: a search's filters, bucketed in a time zone."""

    criteria: Criteria
    bucket: BucketSize
    """`hour` or `day` (never `auto`: resolved when parsed)."""
    tz: tzinfo


def activity_query(criteria: Criteria, bucket: str | None, tz: tzinfo) -> ActivityQuery:
    """Resolve `bucket` (auto by default) for the criteria's range; `InvalidQuery` names
    `bucket` when the chart would need more than `MAX_BUCKETS`."""
    try:
        size = BucketSize((bucket or "auto").strip().lower())
    except ValueError as exc:
        raise InvalidQuery("`bucket` must be one of: auto, hour, day.", "bucket") from exc
    if size is BucketSize.AUTO:
        span = criteria.end - criteria.start
        size = BucketSize.HOUR if span <= AUTO_HOURS_UP_TO else BucketSize.DAY
    query = ActivityQuery(criteria, size, tz)
    if len(edges(query)) - 1 > MAX_BUCKETS:
        raise InvalidQuery(
            f"A chart may have at most {MAX_BUCKETS} buckets: use day buckets or a shorter range.",
            "bucket",
        )
    return query


def edges(query: ActivityQuery) -> list[datetime]:
    """The buckets' edges in UTC: `from`, every local hour or midnight inside, and `to`."""
    start, end = query.criteria.start, query.criteria.end
    inner = _hours(start, end, query.tz) if query.bucket is BucketSize.HOUR else None
    if inner is None:
        inner = _midnights(start, end, query.tz)
    return [start, *inner, end] if end > start else [start]


def _midnights(start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    found: list[datetime] = []
    day = start.astimezone(tz).date()
    while len(found) <= MAX_BUCKETS:
        day += timedelta(days=1)
        midnight = _local_midnight(day, tz)
        if midnight >= end:
            break
        if midnight > start:
            found.append(midnight)
    return found


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    try:
        return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def _hours(start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """Every instant in (start, end) where a local hour begins; every zone's offset is a
    multiple of 15 minutes, so those are the quarter hours of UTC whose local minute is 0."""
    found: list[datetime] = []
    quarter = timedelta(minutes=15)
    at = _EPOCH + (start - _EPOCH) // quarter * quarter + quarter
    while at < end and len(found) <= MAX_BUCKETS:
        local = at.astimezone(tz)
        if local.minute == 0 and local.second == 0:
            found.append(at)
        at += quarter
    return found


def slot_seconds(inner: list[datetime]) -> int:
    """The coarsest slot every inner edge starts one of."""
    for size in SLOTS:
        if all(_epoch_seconds(at) % size == 0 and at.microsecond == 0 for at in inner):
            return size
    return SLOTS[-1]


def _epoch_seconds(at: datetime) -> int:
    return int((at - _EPOCH).total_seconds())


def chart(query: ActivityQuery, counts: list[SlotCount]) -> JSONObject:
    """The activity response: bucket size, zone, range, totals and every bucket."""
    bounds = edges(query)
    tallies = [dict.fromkeys(Category, 0) for _ in range(max(len(bounds) - 1, 0))]
    for found in counts:
        index = bisect.bisect_right(bounds, found.slot) - 1
        if tallies:
            tallies[min(max(index, 0), len(tallies) - 1)][found.category] += found.count
    buckets: list[JSON] = [
        {
            "start": format_instant(bounds[i]),
            "end": format_instant(bounds[i + 1]),
            **_counted(tally),
        }
        for i, tally in enumerate(tallies)
    ]
    totals = dict.fromkeys(Category, 0)
    for tally in tallies:
        for category, n in tally.items():
            totals[category] += n
    return {
        "bucket": query.bucket.value,
        "time_zone": str(query.tz),
        "from": format_instant(query.criteria.start),
        "to": format_instant(query.criteria.end),
        "totals": _counted(totals),
        "buckets": buckets,
    }


def _counted(tally: dict[Category, int]) -> JSONObject:
    return {"total": sum(tally.values()), **{c.value: n for c, n in tally.items()}}
