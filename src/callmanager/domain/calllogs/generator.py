"""Realistic, reproducible PSTN call traffic for the demo and the benchmarks.

Calls arrive hour by hour as a Poisson process whose rate follows the working day in the tenant's
time zone (peaks mid-morning and mid-afternoon, quiet nights, light weekends). Connected calls last
a log-normal time (most a few minutes, a long tail); outcomes depend on direction and on whether
the office is open. The same seed and arguments always give the same calls, ids included.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from callmanager.domain.calllogs.models import CallLog
from callmanager.domain.calllogs.schemas import CallResult, CallType, Direction

# Relative call volume per local hour of a working day; normalised below.
_WEEKDAY_HOURS = (
    0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2.5,  # 00-07
    7.0, 11.0, 13.0, 12.0, 7.5, 9.0, 12.5, 11.5,  # 08-15
    8.5, 4.5, 1.8, 1.0, 0.7, 0.5, 0.4, 0.3,  # 16-23
)  # fmt: skip
_HOUR_SHARE = tuple(w / sum(_WEEKDAY_HOURS) for w in _WEEKDAY_HOURS)
_WEEKEND_FACTOR = 0.08
_OPEN_HOURS = range(8, 18)

_OUTCOMES: dict[tuple[Direction, bool], tuple[tuple[CallResult, float], ...]] = {
    (Direction.INBOUND, True): (
        (CallResult.ANSWERED, 0.80),
        (CallResult.MISSED, 0.09),
        (CallResult.VOICEMAIL, 0.07),
        (CallResult.BUSY, 0.02),
        (CallResult.FAILED, 0.02),
    ),
    (Direction.INBOUND, False): (
        (CallResult.ANSWERED, 0.25),
        (CallResult.MISSED, 0.20),
        (CallResult.VOICEMAIL, 0.50),
        (CallResult.BUSY, 0.02),
        (CallResult.FAILED, 0.03),
    ),
    (Direction.OUTBOUND, True): (
        (CallResult.ANSWERED, 0.68),
        (CallResult.MISSED, 0.18),
        (CallResult.VOICEMAIL, 0.06),
        (CallResult.BUSY, 0.05),
        (CallResult.FAILED, 0.03),
    ),
    (Direction.OUTBOUND, False): (
        (CallResult.ANSWERED, 0.55),
        (CallResult.MISSED, 0.25),
        (CallResult.VOICEMAIL, 0.12),
        (CallResult.BUSY, 0.04),
        (CallResult.FAILED, 0.04),
    ),
}

# Numbers reserved for fiction (Ofcom's drama ranges, the North American 555-01XX block).
_UK_RANGES = ("+44207946", "+44113496", "+44161496", "+44121496", "+44131496", "+44141496")
_US_AREAS = ("201", "212", "312", "415", "512", "617", "702", "206")

_FIRST = ("Adele", "Alex", "Diego", "Grady", "Henrietta", "Isaiah", "Johanna", "Joni", "Lee",
          "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Patti", "Pradeep")  # fmt: skip
_LAST = ("Vance", "Wilber", "Siciliani", "Archie", "Mueller", "Langer", "Lorenz", "Sherman",
         "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Wilke", "Fernandez", "Gupta")  # fmt: skip


@dataclass(frozen=True, slots=True)
class TenantUser:
    """A Teams user whose calls are logged; each user's number comes through one call type."""

    name: str
    user_principal_name: str
    number: str
    call_type: CallType


@dataclass(frozen=True, slots=True)
class GeneratedCall:
    id: uuid.UUID
    started_at: datetime
    direction: Direction
    from_number: str
    to_number: str
    user_name: str
    user_principal_name: str
    duration_s: int
    call_type: CallType
    result: CallResult

    def row(self, tenant_id: uuid.UUID) -> dict[str, Any]:
        """The values of a `call_logs` row."""
        values = asdict(self)
        values.update(
            tenant_id=tenant_id,
            direction=self.direction.value,
            call_type=self.call_type.value,
            result=self.result.value,
        )
        return values


def demo_users(
    count: int, *, domain: str = "contoso.example", country: str = "GB", seed: int = 0
) -> list[TenantUser]:
    """`count` distinct fictional users with numbers of `country` ('GB' or 'US')."""
    rng = random.Random(f"users:{seed}")  # noqa: S311  (demo data, not security)
    names = [(f, last) for f in _FIRST for last in _LAST]
    rng.shuffle(names)
    if count > len(names):
        raise ValueError(f"at most {len(names)} demo users")
    types = (CallType.CALLING_PLAN, CallType.OPERATOR_CONNECT, CallType.DIRECT_ROUTING)
    users: list[TenantUser] = []
    numbers: set[str] = set()
    for index, (first, last) in enumerate(names[:count]):
        number = _fictional_number(rng, country)
        while number in numbers:
            number = _fictional_number(rng, country)
        numbers.add(number)
        users.append(
            TenantUser(
                name=f"{first} {last}",
                user_principal_name=f"{first}.{last}@{domain}".lower(),
                number=number,
                call_type=rng.choices(types, weights=(5, 3, 2))[0] if index else types[0],
            )
        )
    return users


def _fictional_number(rng: random.Random, country: str) -> str:
    if country == "US":
        return f"+1{rng.choice(_US_AREAS)}5550{rng.randrange(100, 200)}"
    return f"{rng.choice(_UK_RANGES)}{rng.randrange(0, 1000):04d}"


def generate_calls(
    *,
    start: datetime,
    end: datetime,
    time_zone: str,
    users: Sequence[TenantUser],
    seed: int = 0,
    calls_per_user_per_day: float = 10.0,
    external_country: str = "GB",
) -> Iterator[GeneratedCall]:
    """The calls started in [start, end), in time order; lazy, so it scales to benchmark sizes."""
    if not users:
        return
    zone = ZoneInfo(time_zone)
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while hour < end:
        rng = random.Random(f"{seed}:{hour.isoformat()}")  # noqa: S311  (demo data, not security)
        local = hour.astimezone(zone)
        weekend = local.weekday() >= 5
        rate = len(users) * calls_per_user_per_day * _HOUR_SHARE[local.hour]
        rate *= _WEEKEND_FACTOR if weekend else 1.0
        is_open = not weekend and local.hour in _OPEN_HOURS
        offsets = sorted(rng.uniform(0, 3600) for _ in range(_poisson(rng, rate)))
        for offset in offsets:
            # Every call of the hour is drawn, so a range ending mid-hour repeats its calls exactly.
            call = _call(
                rng, hour + timedelta(seconds=offset), rng.choice(users), is_open, external_country
            )
            if start <= call.started_at < end:
                yield call
        hour += timedelta(hours=1)


def _call(
    rng: random.Random, started_at: datetime, user: TenantUser, is_open: bool, country: str
) -> GeneratedCall:
    inbound_share = 0.55 if is_open else 0.7
    direction = Direction.INBOUND if rng.random() < inbound_share else Direction.OUTBOUND
    outcomes = _OUTCOMES[(direction, is_open)]
    result = rng.choices([o for o, _ in outcomes], weights=[w for _, w in outcomes])[0]
    other = _fictional_number(rng, country)
    inbound = direction is Direction.INBOUND
    return GeneratedCall(
        id=_uuid7(rng, started_at),
        started_at=started_at,
        direction=direction,
        from_number=other if inbound else user.number,
        to_number=user.number if inbound else other,
        user_name=user.name,
        user_principal_name=user.user_principal_name,
        duration_s=_duration(rng, result),
        call_type=user.call_type,
        result=result,
    )


def _duration(rng: random.Random, result: CallResult) -> int:
    if result is CallResult.ANSWERED:
        return min(max(round(rng.lognormvariate(math.log(150), 0.9)), 5), 4 * 3600)
    if result is CallResult.VOICEMAIL:
        return min(max(round(rng.lognormvariate(math.log(25), 0.5)), 3), 180)
    return 0


def _poisson(rng: random.Random, rate: float) -> int:
    if rate <= 0:
        return 0
    if rate > 30:  # the normal approximation is close enough and does not loop `rate` times
        return max(0, round(rng.gauss(rate, math.sqrt(rate))))
    threshold, count, product = math.exp(-rate), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _uuid7(rng: random.Random, when: datetime) -> uuid.UUID:
    """A UUIDv7 for `when` whose random bits come from `rng`, so runs repeat exactly."""
    millis = int(when.timestamp() * 1000) & ((1 << 48) - 1)
    value = (millis << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64)
    value |= (0b10 << 62) | rng.getrandbits(62)
    return uuid.UUID(int=value)


def insert_calls(
    db: Session, tenant_id: uuid.UUID, calls: Iterable[GeneratedCall], *, batch_size: int = 5000
) -> int:
    """Insert the calls in batches (without committing); returns how many."""
    total = 0
    iterator = iter(calls)
    while batch := list(islice(iterator, batch_size)):
        db.execute(insert(CallLog), [call.row(tenant_id) for call in batch])
        total += len(batch)
    return total
