"""The demo tenant's telephony and its System and Partner activity, for `callmanager demo seed`.

Call flows are made through the API by the Owner; a System holiday-migration run and a Partner
visit go through the API too, so the audit log holds genuine User, System and Partner entries.
Call logs come from the generator, as a telephony feed would deliver them (not an API call).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from callmanager.auth.sessions import CSRF_HEADER
from callmanager.db import utcnow
from callmanager.domain.calllogs.generator import demo_users, generate_calls, insert_calls
from callmanager.partner.grants import new_grant, sign_grant
from callmanager.partner.keys import local_private_key, uses_local_key
from callmanager.services import Services
from callmanager.tasks.holiday_migration import RunReport, run_holiday_migration

DEMO_CALL_LOG_SEED = 2026
PARTNER_ORG = "Provisioner Support"


def _voicemail(greeting: str) -> dict[str, str]:
    return {"kind": "voicemail", "greeting": greeting}


def _call_flows(year: int, groups: dict[str, str]) -> list[dict[str, Any]]:
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday")
    return [
        {
            "name": "London Reception",
            "phone_number": "+44 20 7946 0000",
            "time_zone": "Europe/London",
            "business_hours": {d: [{"start": "08:30", "end": "17:30"}] for d in weekdays},
            "routing": {
                "open": {"kind": "group", "group_id": groups["Reception"]},
                "closed": _voicemail("Contoso London is closed; please leave a message."),
                "holiday": _voicemail("Contoso London is closed for the holiday."),
            },
            "holidays": {
                "country": "GB",
                "subdivision": "ENG",
                "years": [
                    {
                        "year": year,
                        "days": [
                            {"date": f"{year}-07-03", "name": "Company Day", "auto_renew": True},
                            {"date": f"{year}-09-18", "name": "Office move"},
                        ],
                    }
                ],
            },
        },
        {
            "name": "New York Sales",
            "phone_number": "+1 212 555 0142",
            "time_zone": "America/New_York",
            "business_hours": {
                **{
                    d: [{"start": "09:00", "end": "12:30"}, {"start": "13:30", "end": "18:00"}]
                    for d in weekdays
                },
                "saturday": [{"start": "10:00", "end": "14:00"}],
            },
            "routing": {
                "open": {"kind": "group", "group_id": groups["Sales"]},
                "closed": {"kind": "phone_number", "phone_number": "+44 20 7946 0000"},
                "holiday": _voicemail("Happy holidays from Contoso Sales."),
            },
            "holidays": {
                "country": "US",
                "subdivision": "NY",
                "years": [
                    {
                        "year": year,
                        "days": [
                            {"date": f"{year}-12-24", "name": "Christmas Eve", "auto_renew": True}
                        ],
                    }
                ],
            },
        },
    ]


async def seed_call_flows(owner: httpx.AsyncClient, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    """Create the UK and US call flows as the Owner, then edit one (so it has some history)."""
    base = f"/api/v1/tenants/{tenant_id}"
    listed = (await owner.get(f"{base}/groups")).json()["items"]
    groups = {g["name"]: g["id"] for g in listed}
    created = []
    for body in _call_flows(utcnow().year, groups):
        response = await owner.post(f"{base}/call-flows", json=body)
        response.raise_for_status()
        created.append(response.json())
    london = created[0]
    edited = _as_put(london)
    edited["business_hours"]["friday"] = [{"start": "08:30", "end": "16:00"}]
    response = await owner.put(f"{base}/call-flows/{london['id']}", json=edited)
    response.raise_for_status()
    created[0] = response.json()
    return created


def _as_put(flow: dict[str, Any]) -> dict[str, Any]:
    read_only = {"id", "tenant_id", "created_at", "updated_at"}
    return {k: v for k, v in flow.items() if k not in read_only}


def seed_call_logs(
    services: Services, tenant_id: uuid.UUID, *, now: datetime | None = None, days: int = 7
) -> int:
    """`days` of realistic calls for 24 Contoso users, up to `now`; returns how many."""
    end = now or utcnow()
    calls = generate_calls(
        start=end - timedelta(days=days),
        end=end,
        time_zone="Europe/London",
        users=demo_users(24, domain="contoso.example", seed=DEMO_CALL_LOG_SEED),
        seed=DEMO_CALL_LOG_SEED,
    )
    with services.unit_of_work() as uow:
        count = insert_calls(uow.session, tenant_id, calls)
        uow.commit()
    return count


async def seed_system_run(app: FastAPI) -> RunReport:
    """One holiday-migration run: its GETs and PUTs land in the log as System."""
    return await run_holiday_migration(app)


async def seed_partner_visit(app: FastAPI, tenant_id: uuid.UUID) -> bool:
    """A partner enters with a locally signed grant and adjusts a call flow; False if skipped.

    Skipped when a real Provisioner key is configured: only the Provisioner can sign then.
    """
    services: Services = app.state.services
    if not uses_local_key(services.settings):
        return False
    grant = sign_grant(
        new_grant(tenant_id, PARTNER_ORG, now=utcnow()), local_private_key(services.settings)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as partner:
        entered = await partner.post(
            "/api/v1/partner-access", json={"grant": grant, "tenant_id": str(tenant_id)}
        )
        entered.raise_for_status()
        partner.headers[CSRF_HEADER] = entered.json()["csrf_token"]
        base = f"/api/v1/tenants/{tenant_id}/call-flows"
        flows = (await partner.get(base)).json()["items"]
        sales = next((f for f in flows if f["name"] == "New York Sales"), None)
        if sales is not None:
            body = _as_put(sales)
            body["routing"]["holiday"] = _voicemail(
                "Happy holidays from Contoso Sales. For urgent orders call +44 20 7946 0000."
            )
            (await partner.put(f"{base}/{sales['id']}", json=body)).raise_for_status()
        await partner.post("/api/v1/auth/logout")
    return True
