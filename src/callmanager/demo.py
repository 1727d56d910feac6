"""The demo tenant behind `make run`, built through the real API so its audit log is genuine.

Everything after the tenant's creation (an operator action, like `callmanager tenant create`)
goes through HTTP calls to the app in process: invitations, acceptances, logins, groups, so
each step is recorded by the audit middleware exactly as a person's would be.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from callmanager import demo_activity
from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.demo_clock import audit_now, dated
from callmanager.domain.tenants.models import Tenant
from callmanager.founding import found_tenant
from callmanager.progress import QUIET, Bar
from callmanager.services import Services
from callmanager.settings import Settings

DEMO_MICROSOFT_TENANT_ID = "00000000-0000-4000-8000-00000000c0de"
DEMO_USERS = [
    (Role.OWNER, "alice@contoso.example", "Alice Owner"),
    (Role.WRITER, "wes@contoso.example", "Wes Writer"),
    (Role.READER, "rita@contoso.example", "Rita Reader"),
    (Role.TENANT_SETUP, "sam@contoso.example", "Sam Setup"),
]
DEMO_GROUPS = [
    ("Sales", "Inbound sales line", ["dana@contoso.example", "lee@contoso.example"]),
    ("Support", "First-line support", ["kim@contoso.example", "ola@contoso.example"]),
    ("Reception", "Front desk", ["pat@contoso.example"]),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


def logins_path(settings: Settings) -> Path:
    return settings.var_dir / "demo-logins.json"


def read_logins(settings: Settings) -> list[DemoLogin]:
    path = logins_path(settings)
    if not path.exists():
        return []
    return [DemoLogin(**row) for row in json.loads(path.read_text())]


def _write_logins(settings: Settings, logins: list[DemoLogin]) -> None:
    path = logins_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([login.__dict__ for login in logins], indent=2))
    path.chmod(0o600)


def api_client(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client talking to `app` in process (run the app's lifespan around it)."""
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", **kwargs)


async def login(client: httpx.AsyncClient, email: str, password: str) -> None:
    """Log `client` in and make it send the session's CSRF token, as the web UI does."""
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    client.headers[CSRF_HEADER] = response.json()["csrf_token"]


def demo_tenant_id(services: Services) -> uuid.UUID | None:
    with services.session_factory() as db:
        return db.scalar(
            select(Tenant.id).where(Tenant.microsoft_tenant_id == DEMO_MICROSOFT_TENANT_ID)
        )


SEED_STEPS = 4
"""What `seed_tenant` tells its progress: the users joined, the week, call logs, the partner."""


async def seed_tenant(app: FastAPI, services: Services, progress: Bar = QUIET) -> list[DemoLogin]:
    """Create Contoso with a week of history: four portal users (one per role), groups and call
    flows made, edited and deleted by the Owner and the Writer, a Reader's and a Tenant Setup
    user's refused attempts, call logs, System holiday-migration runs on two days, and a Partner
    visit today. Every step after the tenant's creation is an API call, dated on its day."""
    settings = services.settings
    _, owner_email, owner_name = DEMO_USERS[0]
    async with api_client(app) as anonymous:
        with dated(app, 6, 9):
            founded = await found_tenant(
                services,
                name="Contoso",
                time_zone="Europe/London",
                microsoft_tenant_id=DEMO_MICROSOFT_TENANT_ID,
                owner_email=owner_email,
                owner_name=owner_name,
                occurred_at=audit_now(app),
            )
            tenant = founded.tenant
            base = f"/api/v1/tenants/{tenant.id}"
            logins = await _join(app, anonymous, base, founded.invitation.token)
        progress.advance(1)
        clients = {login.email: api_client(app) for login in logins}
        for user in logins:
            await login(clients[user.email], user.email, user.password)
        try:
            await _week(app, base, [clients[email] for _, email, _ in DEMO_USERS])
        finally:
            for client in clients.values():
                await client.aclose()
    progress.advance(1)
    demo_activity.seed_call_logs(services, tenant.id)
    progress.advance(1)
    await demo_activity.seed_partner_visit(app, tenant.id)  # today, on the real clock
    progress.advance(1)
    _write_logins(settings, logins)
    return logins


async def _join(
    app: FastAPI, anonymous: httpx.AsyncClient, base: str, token: str
) -> list[DemoLogin]:
    """Alice accepts her invitation, invites one person per other role, and they join."""
    owner_role, owner_email, _ = DEMO_USERS[0]
    password = secrets.token_urlsafe(12)
    accepted = await anonymous.post(
        f"{base}/invitations/accept", json={"token": token, "password": password}
    )
    accepted.raise_for_status()
    logins = [DemoLogin(owner_role.value, owner_email, password)]
    async with api_client(app) as owner:
        await login(owner, owner_email, password)
        for role, email, name in DEMO_USERS[1:]:
            invitation = await owner.post(
                f"{base}/invitations", json={"email": email, "name": name, "role": role.value}
            )
            invitation.raise_for_status()
            password = secrets.token_urlsafe(12)
            joined = await anonymous.post(
                f"{base}/invitations/accept",
                json={"token": invitation.json()["token"], "password": password},
            )
            joined.raise_for_status()
            logins.append(DemoLogin(role.value, email, password))
        for name, description, members in DEMO_GROUPS:
            made = await owner.post(
                f"{base}/groups",
                json={"name": name, "description": description, "members": members},
            )
            made.raise_for_status()
    return logins


async def _week(app: FastAPI, base: str, users: list[httpx.AsyncClient]) -> None:
    """The rest of the week, day by day, by the Owner, Writer, Reader and Tenant Setup user."""
    owner, writer, reader, setup = users
    with dated(app, 5, 10):
        groups = {g["name"]: g for g in (await owner.get(f"{base}/groups")).json()["items"]}
        await writer.get(f"{base}/groups")
        sales = groups["Sales"]
        await writer.patch(
            f"{base}/groups/{sales['id']}",
            json={
                "description": "Sales, UK & US",
                "members": [*sales["members"][1:], "noor@contoso.example", "raj@contoso.example"],
            },
        )
        temp = (await writer.post(f"{base}/groups", json={"name": "Temporary Campaign"})).json()
        await reader.get(f"{base}/groups")
        await reader.post(f"{base}/groups", json={"name": "Reader Try Group"})  # refused
    with dated(app, 4, 2):
        await demo_activity.seed_system_run(app)
    with dated(app, 3, 11):
        await owner.put(f"{base}/admin-setup", json={"consent_status": "granted"})
        flows = await demo_activity.seed_call_flows(owner, uuid.UUID(base.rsplit("/", 1)[1]))
        await setup.get(f"{base}/admin-setup")
        await setup.get(f"{base}/groups")  # refused: Tenant Setup sees only Admin Setup
    with dated(app, 2, 14):
        await writer.delete(f"{base}/groups/{temp['id']}")
        await reader.get(f"{base}/call-flows")
        london = flows[0]
        await reader.put(f"{base}/call-flows/{london['id']}", json={})  # refused
    with dated(app, 1, 2):
        await demo_activity.seed_system_run(app)
    with dated(app, 0, 8):
        await writer.patch(
            f"{base}/groups/{groups['Support']['id']}", json={"name": "Support Desk"}
        )
        await reader.get(f"{base}/audit-log")


def print_logins(logins: list[DemoLogin], settings: Settings) -> None:
    print(f"Demo tenant Contoso — open http://{settings.host}:{settings.port}/ and log in as:")
    for entry in logins:
        print(f"  {Role(entry.role).label:<13} {entry.email:<26} password: {entry.password}")


async def seed(app: FastAPI, progress: Bar = QUIET) -> list[DemoLogin]:
    """Seed the demo tenant unless it exists; returns the demo logins either way."""
    services: Services = app.state.services
    if demo_tenant_id(services) is not None:
        return read_logins(services.settings)
    async with app.router.lifespan_context(app):
        return await seed_tenant(app, services, progress)
