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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

import orjson

from callmanager.audit import Action, Actor, ActorType, AuditEvent, Body, Outcome, Resource

VERSION = 1
"""Bump when the generated entries change, so kept datasets are rebuilt."""
READ_SHARE = 0.8
MODIFICATION_MIX = ((Action.CREATE, 0.40), (Action.EDIT, 0.45), (Action.DELETE, 0.15))
ACTOR_MIX = (
    (ActorType.USER, 0.90),
    (ActorType.SYSTEM, 0.05),
    (ActorType.PARTNER, 0.04),
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
_TEAMS = (
    "Sales",
    "Support",
    "Helpdesk",
    "Reception",
    "Billing",
    "Operations",
    "Marketing",
    "Finance",
    "Service Desk",
    "After Hours",
    "Field Team",
    "Logistics",
)
_FIRST = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "wendy",
)
_COUNTRIES = ("GB", "US", "DE", "FR", "NL", "AU", "IE", "SE")


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


def _json_body(
    value: object, content_type: str = "application/json", *, sensitive: bool = False
) -> Body:
    size = len(orjson.dumps(value))
    return Body(content_type, size, is_json=True, json=value, sensitive=sensitive)  # type: ignore[arg-type]


_NO_BODY = Body(None, 0)
_SYSTEM = Actor(ActorType.SYSTEM, "holiday-migration", None, "holiday-migration")
_PARTNER = Actor(ActorType.PARTNER)
_ANONYMOUS = Actor(ActorType.ANONYMOUS)


@dataclass(frozen=True, slots=True)
class _Call:
    """One kind of API call of one tenant, ready to be stamped with a time and an actor."""

    action: Action
    method: str
    path: str
    route: str
    resource: Resource
    summary: str
    request: Body
    response: Body
    status: int


@dataclass
class _Tenant:
    """A tenant's world: its people, groups and call flows, and the calls made on them."""

    index: int
    id: uuid.UUID
    users: list[Actor] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    reads: list[_Call] = field(default_factory=list)
    modifications: dict[Action, list[_Call]] = field(default_factory=dict)
    system_reads: list[_Call] = field(default_factory=list)
    system_edits: list[_Call] = field(default_factory=list)

    @cached_property
    def user_cum(self) -> list[float]:
        return list(itertools.accumulate(1 / r for r in range(1, len(self.users) + 1)))


class _World:
    """Builds each tenant's world on first use, from a seed of its own (order-independent)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.ids = tenant_ids(spec)
        self.shares = tenant_shares(spec)
        self._tenants: dict[int, _Tenant] = {}

    def tenant(self, index: int) -> _Tenant:
        found = self._tenants.get(index)
        if found is None:
            found = self._tenants[index] = _build_tenant(
                index, self.ids[index], self.shares[index] * self.spec.entries, self.spec
            )
        return found


def _build_tenant(index: int, tenant_id: uuid.UUID, expected: float, spec: Spec) -> _Tenant:
    rng = random.Random(f"tenant:{spec.seed}:{index}")
    t = _Tenant(index, tenant_id)
    domain = f"tenant{index:04d}.example"
    n_users = max(2, min(60, int(expected**0.4)))
    t.users = [
        Actor(
            ActorType.USER,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            f"{_FIRST[n % len(_FIRST)]}{n // len(_FIRST) or ''}@{domain}",
            f"{_FIRST[n % len(_FIRST)].title()} {chr(65 + n % 26)}.",
        )
        for n in range(n_users)
    ]
    t.ips = [f"10.{index % 250}.{n % 250}.{rng.randint(2, 254)}" for n in range(n_users)]
    n_groups = max(2, min(40, int(expected**0.3)))
    groups: list[dict[str, object]] = [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "name": f"{_TEAMS[n % len(_TEAMS)]} {n // len(_TEAMS) + 1}",
            "description": f"{_TEAMS[n % len(_TEAMS)]} call queue, floor {rng.randint(1, 9)}",
            "members": [
                u.email for u in rng.sample(t.users, min(len(t.users), rng.randint(2, 12)))
            ],
            "created_at": "2026-01-12T09:14:03.120000Z",
            "updated_at": "2026-03-02T16:40:51.004000Z",
        }
        for n in range(n_groups)
    ]
    flows = [_call_flow(rng, n) for n in range(max(1, min(15, int(expected**0.25))))]
    base = f"/api/v1/tenants/{tenant_id}"
    _add_group_calls(t, base, groups)
    _add_flow_calls(t, base, flows)
    _add_other_calls(t, base, rng, domain)
    return t


def _call_flow(rng: random.Random, n: int) -> dict[str, object]:
    country = _COUNTRIES[rng.randrange(len(_COUNTRIES))]
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "name": f"{_TEAMS[n % len(_TEAMS)]} line",
        "phone_number": f"+44 20 7946 {rng.randint(0, 9999):04d}",
        "version": rng.randint(1, 40),
        "business_hours": [
            {"day": day, "open": "08:30", "close": "17:30"}
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
        ],
        "holidays": {
            "country": country,
            "public": [
                {"date": f"2026-{m:02d}-{d:02d}", "name": "Public holiday"}
                for m, d in ((1, 1), (4, 3), (5, 4), (12, 25), (12, 26))
            ],
            "custom": [{"date": "2026-12-24", "name": "Office closed", "renew": True}],
        },
        "after_hours_target": "voicemail",
    }


def _add_group_calls(t: _Tenant, base: str, groups: list[dict[str, object]]) -> None:
    route = "/api/v1/tenants/{tenant_id}/groups"
    listing = _json_body({"items": groups})
    t.reads.append(
        _Call(
            Action.READ,
            "GET",
            f"{base}/groups",
            route,
            Resource("group"),
            "Listed groups",
            _NO_BODY,
            listing,
            200,
        )
    )
    creates, edits, deletes = [], [], []
    for g in groups:
        gid, name = str(g["id"]), str(g["name"])
        one = _json_body(g)
        item = f"{route}/{{group_id}}"
        res = Resource("group", gid)
        t.reads.append(
            _Call(
                Action.READ,
                "GET",
                f"{base}/groups/{gid}",
                item,
                res,
                f"Viewed group {gid}",
                _NO_BODY,
                one,
                200,
            )
        )
        request = {k: g[k] for k in ("name", "description", "members")}
        creates.append(
            _Call(
                Action.CREATE,
                "POST",
                f"{base}/groups",
                route,
                Resource("group"),
                f"Created group '{name}'",
                _json_body(request),
                one,
                201,
            )
        )
        edits.append(
            _Call(
                Action.EDIT,
                "PATCH",
                f"{base}/groups/{gid}",
                item,
                res,
                f"Edited group '{name}'",
                _json_body({"name": name, "members": g["members"]}),
                one,
                200,
            )
        )
        deletes.append(
            _Call(
                Action.DELETE,
                "DELETE",
                f"{base}/groups/{gid}",
                item,
                res,
                f"Deleted group {gid}",
                _NO_BODY,
                _NO_BODY,
                204,
            )
        )
    t.modifications = {Action.CREATE: creates, Action.EDIT: edits, Action.DELETE: deletes}


def _add_flow_calls(t: _Tenant, base: str, flows: list[dict[str, object]]) -> None:
    route = "/api/v1/tenants/{tenant_id}/call-flows"
    listing = _json_body({"items": flows})
    t.reads.append(
        _Call(
            Action.READ,
            "GET",
            f"{base}/call-flows",
            route,
            Resource("call_flow"),
            "Listed call flows",
            _NO_BODY,
            listing,
            200,
        )
    )
    t.system_reads.append(t.reads[-1])
    for f in flows:
        fid, name = str(f["id"]), str(f["name"])
        one = _json_body(f)
        item = f"{route}/{{call_flow_id}}"
        res = Resource("call_flow", fid)
        read = _Call(
            Action.READ,
            "GET",
            f"{base}/call-flows/{fid}",
            item,
            res,
            f"Viewed call flow {fid}",
            _NO_BODY,
            one,
            200,
        )
        edit = _Call(
            Action.EDIT,
            "PUT",
            f"{base}/call-flows/{fid}",
            item,
            res,
            f"Edited call flow '{name}'",
            _json_body({k: v for k, v in f.items() if k != "id"}),
            one,
            200,
        )
        t.reads.append(read)
        t.system_reads.append(read)
        t.system_edits.append(edit)
        t.modifications[Action.EDIT].append(edit)
        t.modifications[Action.CREATE].append(
            _Call(
                Action.CREATE,
                "POST",
                f"{base}/call-flows",
                route,
                Resource("call_flow"),
                f"Created call flow '{name}'",
                edit.request,
                one,
                201,
            )
        )


def _add_other_calls(t: _Tenant, base: str, rng: random.Random, domain: str) -> None:
    logs_route = "/api/v1/tenants/{tenant_id}/call-logs"
    for page in range(6):
        size = rng.choice((10, 10, 20, 25))
        calls = [
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "started_at": f"2026-11-{rng.randint(1, 28):02d}T{rng.randint(7, 19):02d}:"
                f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z",
                "direction": rng.choice(("inbound", "outbound")),
                "call_type": rng.choice(("calling_plan", "operator_connect", "direct_routing")),
                "from_number": f"+44 20 7946 {rng.randint(0, 9999):04d}",
                "to_number": f"+44 161 496 {rng.randint(0, 9999):04d}",
                "user": rng.choice(t.users).email,
                "duration_s": rng.randint(0, 1800),
                "result": rng.choice(("answered", "answered", "missed", "busy")),
            }
            for _ in range(size)
        ]
        query = f"?start=2026-11-{page + 1:02d}T00:00:00Z&limit={size}"
        t.reads.append(
            _Call(
                Action.READ,
                "GET",
                f"{base}/call-logs{query}",
                logs_route,
                Resource("call_log"),
                "Listed call logs",
                _NO_BODY,
                _json_body({"items": calls, "next_cursor": "eyJ0IjoxNzY0MDAwMDAwfQ"}),
                200,
            )
        )
    people = [
        {
            "user_id": u.id,
            "email": u.email,
            "name": u.name,
            "role": rng.choice(("owner", "writer", "reader")),
        }
        for u in t.users
    ]
    t.reads.append(
        _Call(
            Action.READ,
            "GET",
            f"{base}/portal-users",
            "/api/v1/tenants/{tenant_id}/portal-users",
            Resource("portal_user"),
            "Listed portal users",
            _NO_BODY,
            _json_body(people),
            200,
        )
    )
    t.reads.append(
        _Call(
            Action.READ,
            "GET",
            f"{base}/audit-log?action_type=all",
            "/api/v1/tenants/{tenant_id}/audit-log",
            Resource("audit_log"),
            "Viewed audit log",
            _NO_BODY,
            _json_body({"items": people[:5], "next_cursor": None}),
            200,
        )
    )
    invitee = f"new.starter{rng.randint(1, 999)}@{domain}"
    summary = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "email": invitee,
        "name": "New Starter",
        "role": "reader",
        "expires_at": "2026-12-02T10:00:00Z",
    }
    t.modifications[Action.CREATE].append(
        _Call(
            Action.CREATE,
            "POST",
            f"{base}/invitations",
            "/api/v1/tenants/{tenant_id}/invitations",
            Resource("invitation"),
            f"Invited '{invitee}' as reader",
            _json_body({"email": invitee, "name": "New Starter", "role": "reader"}),
            _json_body(summary, sensitive=True),
            201,
        )
    )
    for person in people[:3]:
        route = "/api/v1/tenants/{tenant_id}/portal-users/{user_id}"
        path = f"{base}/portal-users/{person['user_id']}"
        res = Resource("portal_user", str(person["user_id"]))
        t.modifications[Action.EDIT].append(
            _Call(
                Action.EDIT,
                "PATCH",
                path,
                route,
                res,
                f"Changed the role of portal user {person['user_id']} to writer",
                _json_body({"role": "writer"}),
                _json_body(person),
                200,
            )
        )
        t.modifications[Action.DELETE].append(
            _Call(
                Action.DELETE,
                "DELETE",
                path,
                route,
                res,
                f"Deleted portal user {person['user_id']}",
                _NO_BODY,
                _NO_BODY,
                204,
            )
        )


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
    return _json_body(
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
            elif kind is ActorType.PARTNER:
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
