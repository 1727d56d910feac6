"""Realistic audit entries, deterministic from a seed: 1,000 tenants of Zipf sizes, 80 % reads.

Entries arrive in time order across all tenants (as in production, so one tenant's entries are
spread through the table, not clustered), evenly over `days` days up to `end`. Each tenant has
its own users, groups and call flows; bodies are the JSON the real API sends, of realistic
size (a page of call logs is a few KB, a group a few hundred bytes). The same `Spec` always
yields the same entries, ids included.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asgi_audit import Action, Actor, ActorType, AuditEvent, Body, Outcome
from benchmarks.tenants import TenantWorld, build_tenant, json_body
from callmanager.audit_rules import PARTNER

VERSION = 5
"""Bump when the generated entries (or what a load builds from them) change, so kept datasets
are rebuilt. 3: the activity rollup and the audit schema's a005. 4: its key carries the count
on PostgreSQL. 5: bodies stored as canonical JSON (keys sorted), as the store now writes them."""
READ_SHARE = 0.8
MODIFICATION_MIX = ((Action.CREATE, 0.40), (Action.EDIT, 0.45), (Action.DELETE, 0.15))
ACTOR_MIX = (
    (ActorType.USER, 0.90),
    (ActorType.SYSTEM, 0.05),
    (PARTNER, 0.04),
    (ActorType.ANONYMOUS, 0.01),
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
_SCRIPTS = ("python-httpx/0.28.1", "PowerShell/7.4.6", "curl/8.5.0")


@dataclass(frozen=True, slots=True)
class Spec:
    """What to generate. `end` is the newest instant; entries cover the `days` before it."""

    entries: int
    end: datetime
    tenants: int = 1000
    seed: int = 42
    days: int = 30
    zipf: float = 1.0
    """Tenant of rank r gets a share proportional to 1 / r**zipf."""

    @property
    def key(self) -> str:
        """Names the dataset (independent of `end`, which is kept alongside it)."""
        return f"{self.entries}e_{self.tenants}t_s{self.seed}_{self.days}d_v{VERSION}"


def tenant_ids(spec: Spec) -> list[uuid.UUID]:
    """The tenants' ids, largest tenant first."""
    rng = random.Random(f"tenants:{spec.seed}")
    return [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(spec.tenants)]


def tenant_shares(spec: Spec) -> list[float]:
    """Each tenant's expected share of the entries (Zipf), largest first; sums to 1."""
    weights = [1 / (rank**spec.zipf) for rank in range(1, spec.tenants + 1)]
    total = sum(weights)
    return [w / total for w in weights]


def entry_id(micros: int, rand64: int) -> uuid.UUID:
    """A UUIDv7 laid out as the audit engine's `new_entry_id` (so `occurred_at_of` works),
    with the random bits drawn from the generator's seeded stream instead of `secrets`."""
    millis, sub = divmod(micros, 1000)
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | (sub * 4096 // 1000) << 64 | rand64
    value = (value & ~(0xF << 76)) | (7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    return uuid.UUID(int=value)


_SYSTEM = Actor(ActorType.SYSTEM, "holiday-migration", None, "holiday-migration")
_PARTNER = Actor(PARTNER)
_ANONYMOUS = Actor(ActorType.ANONYMOUS)


class _World:
    """Builds each tenant's world on first use, from a seed of its own (order-independent)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.ids = tenant_ids(spec)
        self.shares = tenant_shares(spec)
        self._tenants: dict[int, TenantWorld] = {}

    def tenant(self, index: int) -> TenantWorld:
        found = self._tenants.get(index)
        if found is None:
            found = self._tenants[index] = build_tenant(
                index, self.ids[index], self.shares[index] * self.spec.entries, self.spec.seed
            )
        return found


_READ_FAILURES = ((404, 0.02), (403, 0.01), (500, 0.005))
_WRITE_FAILURES = ((422, 0.04), (409, 0.02), (404, 0.02), (503, 0.005))


def _failure(rng: random.Random, table: tuple[tuple[int, float], ...]) -> int | None:
    draw = rng.random()
    for status, share in table:
        if draw < share:
            return status
        draw -= share
    return None


def _problem(status: int) -> Body:
    titles = {
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        422: "Invalid request",
        500: "Internal server error",
        503: "Service unavailable",
    }
    return json_body(
        {
            "type": f"https://callmanager.example/problems/{status}",
            "title": titles[status],
            "status": status,
            "detail": "See the documentation of this endpoint.",
        },
        "application/problem+json",
    )


def generate(spec: Spec) -> Iterator[AuditEvent]:
    """`spec.entries` entries, oldest first, each the same on every run of the same spec."""
    world = _World(spec)
    rng = random.Random(f"entries:{spec.seed}")
    tenant_cum = list(itertools.accumulate(world.shares))
    actor_cum = list(itertools.accumulate(share for _, share in ACTOR_MIX))
    mod_cum = list(itertools.accumulate(share for _, share in MODIFICATION_MIX))
    end_us = _micros(spec.end)
    span_us = spec.days * 86_400_000_000
    step = span_us / max(spec.entries, 1)
    start_us = end_us - span_us
    problems = {s: _problem(s) for s, _ in (*_READ_FAILURES, *_WRITE_FAILURES, (401, 0))}
    for n in range(spec.entries):
        micros = start_us + int((n + rng.random()) * step)
        pick = bisect.bisect(tenant_cum, rng.random() * tenant_cum[-1])
        t = world.tenant(min(pick, spec.tenants - 1))
        kind = ACTOR_MIX[bisect.bisect(actor_cum, rng.random() * actor_cum[-1])][0]
        is_read = rng.random() < READ_SHARE
        ip = f"10.{t.index % 250}.255.1"
        if kind is ActorType.SYSTEM:
            actor, source, agent = _SYSTEM, "System", "callmanager-tasks"
            call = rng.choice(t.system_reads if is_read else t.system_edits)
        else:
            if kind is ActorType.USER:
                u = min(bisect.bisect(t.user_cum, rng.random() * t.user_cum[-1]), len(t.users) - 1)
                actor, ip = t.users[u], t.ips[u]
                api = rng.random() < 0.3
                source = "API" if api else "Call Manager"
                agent = rng.choice(_SCRIPTS if api else _BROWSERS)
            elif kind is PARTNER:
                actor, source, agent = _PARTNER, "Partner", _BROWSERS[0]
            else:
                actor, source, agent = _ANONYMOUS, "API", _SCRIPTS[2]
            if is_read:
                call = rng.choice(t.reads)
            else:
                action = MODIFICATION_MIX[bisect.bisect(mod_cum, rng.random() * mod_cum[-1])][0]
                call = rng.choice(t.modifications[action])
        status, response = call.status, call.response
        failed = _failure(rng, _READ_FAILURES if is_read else _WRITE_FAILURES)
        if kind is ActorType.ANONYMOUS:
            failed = 401
        if failed is not None:
            status, response = failed, problems[failed]
        occurred_at = _EPOCH + timedelta(microseconds=micros)
        yield AuditEvent(
            id=entry_id(micros, rng.getrandbits(64)),
            tenant_id=t.id,
            occurred_at=occurred_at,
            actor=actor,
            source=source,
            action=call.action,
            method=call.method,
            path=call.path,
            route=call.route,
            resource=call.resource,
            summary=call.summary,
            outcome=Outcome.of_status(status),
            status=status,
            duration_ms=round(rng.lognormvariate(1.6, 0.6), 3),
            request=call.request,
            response=response,
            client_ip=ip,
            user_agent=agent,
        )


def _micros(value: datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
