"""Each generated tenant's world: its users, groups and call flows, and the API calls made on
them, with the bodies the real API sends and summaries worded as `callmanager.audit_rules` words
them. Built from a seed of its own, so the same tenant comes out the same whatever order tenants
are first met in.
"""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from functools import cached_property

import orjson

from asgi_audit import Action, Actor, ActorType, Body, Resource

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


def json_body(
    value: object, content_type: str = "application/json", *, sensitive: bool = False
) -> Body:
    size = len(orjson.dumps(value))
    return Body(content_type, size, is_json=True, json=value, sensitive=sensitive)  # type: ignore[arg-type]


NO_BODY = Body(None, 0)


@dataclass(frozen=True, slots=True)
class Call:
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
class TenantWorld:
    """A tenant's world: its people, groups and call flows, and the calls made on them."""

    index: int
    id: uuid.UUID
    users: list[Actor] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    reads: list[Call] = field(default_factory=list)
    modifications: dict[Action, list[Call]] = field(default_factory=dict)
    system_reads: list[Call] = field(default_factory=list)
    system_edits: list[Call] = field(default_factory=list)

    @cached_property
    def user_cum(self) -> list[float]:
        return list(itertools.accumulate(1 / r for r in range(1, len(self.users) + 1)))


def build_tenant(index: int, tenant_id: uuid.UUID, expected: float, seed: int) -> TenantWorld:
    rng = random.Random(f"tenant:{seed}:{index}")
    t = TenantWorld(index, tenant_id)
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


def _add_group_calls(t: TenantWorld, base: str, groups: list[dict[str, object]]) -> None:
    route = "/api/v1/tenants/{tenant_id}/groups"
    listing = json_body({"items": groups})
    t.reads.append(
        Call(
            Action.READ,
            "GET",
            f"{base}/groups",
            route,
            Resource("group"),
            "Listed groups",
            NO_BODY,
            listing,
            200,
        )
    )
    creates, edits, deletes = [], [], []
    for g in groups:
        gid, name = str(g["id"]), str(g["name"])
        one = json_body(g)
        item = f"{route}/{{group_id}}"
        res = Resource("group", gid)
        t.reads.append(
            Call(
                Action.READ,
                "GET",
                f"{base}/groups/{gid}",
                item,
                res,
                f"Viewed group {gid}",
                NO_BODY,
                one,
                200,
            )
        )
        request = {k: g[k] for k in ("name", "description", "members")}
        creates.append(
            Call(
                Action.CREATE,
                "POST",
                f"{base}/groups",
                route,
                Resource("group"),
                f"Created group '{name}'",
                json_body(request),
                one,
                201,
            )
        )
        edits.append(
            Call(
                Action.EDIT,
                "PATCH",
                f"{base}/groups/{gid}",
                item,
                res,
                f"Edited group '{name}'",
                json_body({"name": name, "members": g["members"]}),
                one,
                200,
            )
        )
        deletes.append(
            Call(
                Action.DELETE,
                "DELETE",
                f"{base}/groups/{gid}",
                item,
                res,
                f"Deleted group {gid}",
                NO_BODY,
                NO_BODY,
                204,
            )
        )
    t.modifications = {Action.CREATE: creates, Action.EDIT: edits, Action.DELETE: deletes}


def _add_flow_calls(t: TenantWorld, base: str, flows: list[dict[str, object]]) -> None:
    route = "/api/v1/tenants/{tenant_id}/call-flows"
    listing = json_body({"items": flows})
    t.reads.append(
        Call(
            Action.READ,
            "GET",
            f"{base}/call-flows",
            route,
            Resource("call_flow"),
            "Listed call flows",
            NO_BODY,
            listing,
            200,
        )
    )
    t.system_reads.append(t.reads[-1])
    for f in flows:
        fid, name = str(f["id"]), str(f["name"])
        one = json_body(f)
        item = f"{route}/{{call_flow_id}}"
        res = Resource("call_flow", fid)
        read = Call(
            Action.READ,
            "GET",
            f"{base}/call-flows/{fid}",
            item,
            res,
            f"Viewed call flow {fid}",
            NO_BODY,
            one,
            200,
        )
        edit = Call(
            Action.EDIT,
            "PUT",
            f"{base}/call-flows/{fid}",
            item,
            res,
            f"Edited call flow '{name}'",
            json_body({k: v for k, v in f.items() if k != "id"}),
            one,
            200,
        )
        t.reads.append(read)
        t.system_reads.append(read)
        t.system_edits.append(edit)
        t.modifications[Action.EDIT].append(edit)
        t.modifications[Action.CREATE].append(
            Call(
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


def _add_other_calls(t: TenantWorld, base: str, rng: random.Random, domain: str) -> None:
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
            Call(
                Action.READ,
                "GET",
                f"{base}/call-logs{query}",
                logs_route,
                Resource("call_log"),
                "Listed call logs",
                NO_BODY,
                json_body({"items": calls, "next_cursor": "eyJ0IjoxNzY0MDAwMDAwfQ"}),
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
        Call(
            Action.READ,
            "GET",
            f"{base}/portal-users",
            "/api/v1/tenants/{tenant_id}/portal-users",
            Resource("portal_user"),
            "Listed portal users",
            NO_BODY,
            json_body(people),
            200,
        )
    )
    t.reads.append(
        Call(
            Action.READ,
            "GET",
            f"{base}/audit-log?action_type=all",
            "/api/v1/tenants/{tenant_id}/audit-log",
            Resource("audit_log"),
            "Viewed audit log",
            NO_BODY,
            json_body({"items": people[:5], "next_cursor": None}),
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
        Call(
            Action.CREATE,
            "POST",
            f"{base}/invitations",
            "/api/v1/tenants/{tenant_id}/invitations",
            Resource("invitation"),
            f"Invited '{invitee}' as reader",
            json_body({"email": invitee, "name": "New Starter", "role": "reader"}),
            json_body(summary, sensitive=True),
            201,
        )
    )
    for person in people[:3]:
        route = "/api/v1/tenants/{tenant_id}/portal-users/{user_id}"
        path = f"{base}/portal-users/{person['user_id']}"
        res = Resource("portal_user", str(person["user_id"]))
        t.modifications[Action.EDIT].append(
            Call(
                Action.EDIT,
                "PATCH",
                path,
                route,
                res,
                f"Changed the role of portal user {person['user_id']} to writer",
                json_body({"role": "writer"}),
                json_body(person),
                200,
            )
        )
        t.modifications[Action.DELETE].append(
            Call(
                Action.DELETE,
                "DELETE",
                path,
                route,
                res,
                f"Deleted portal user {person['user_id']}",
                NO_BODY,
                NO_BODY,
                204,
            )
        )
