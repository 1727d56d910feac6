"""The demo's telephony and its System and Partner activity, all through the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager import demo, demo_activity
from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.demo import api_client, login
from callmanager.services import Services
from tests.factories import PASSWORD, make_user


def test_the_demo_gets_call_flows_call_logs_a_system_run_and_a_partner_visit(
    app: FastAPI, client: TestClient, services: Services, tenant_id: uuid.UUID
) -> None:
    make_user(services, tenant_id, "alice@contoso.example", Role.OWNER)

    async def scenario() -> dict[str, Any]:
        async with api_client(app) as owner:
            await login(owner, "alice@contoso.example", PASSWORD)
            for name in ("Reception", "Sales"):
                made = await owner.post(f"/api/v1/tenants/{tenant_id}/groups", json={"name": name})
                made.raise_for_status()
            flows = await demo_activity.seed_call_flows(owner, tenant_id)
            report = await demo_activity.seed_system_run(app)
            visited = await demo_activity.seed_partner_visit(app, tenant_id)
            listed = await owner.get(f"/api/v1/tenants/{tenant_id}/call-flows")
            logs = await owner.get(f"/api/v1/tenants/{tenant_id}/call-logs")
        return {
            "flows": flows,
            "report": report,
            "visited": visited,
            "listed": listed,
            "logs": logs,
        }

    calls = demo_activity.seed_call_logs(services, tenant_id)
    assert client.portal is not None
    result = client.portal.call(scenario)

    assert calls > 100
    assert [f["name"] for f in result["flows"]] == ["London Reception", "New York Sales"]
    assert result["flows"][0]["version"] == 2
    assert result["report"].ok
    assert len(result["report"].changed) == 2
    assert result["visited"]
    listed: httpx.Response = result["listed"]
    sales = next(f for f in listed.json()["items"] if f["name"] == "New York Sales")
    assert "urgent orders" in sales["routing"]["holiday"]["greeting"]
    assert len(result["logs"].json()["items"]) == 50


def test_the_demo_spreads_a_week_of_true_activity_over_the_last_seven_days(
    app: FastAPI, client: TestClient, services: Services
) -> None:
    """`make run`'s tenant teaches the log: every role's activity on several days, refusals,
    an edit with a real diff, a delete, Alice's own invitation, System runs on two days and a
    Partner visit, all through the API."""
    assert client.portal is not None
    logins = client.portal.call(demo.seed_tenant, app, services)
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=10)
    alice = next(login for login in logins if login.role == "owner")
    tenant_id = demo.demo_tenant_id(services)
    owner = TestClient(app)
    log_in_with(owner, alice.email, alice.password)
    week = _every_entry(owner, tenant_id, **{"from": _days_ago(7)})

    assert [e["summary"] for e in week if e["outcome"] == "unknown"] == [], "none left pending"
    days = {e["occurred_at"][:10] for e in week}
    assert len(days) >= 5, days
    today = datetime.now(UTC).date().isoformat()
    assert len([e for e in week if e["occurred_at"].startswith(today)]) < len(week) / 2
    by_email = {e["actor"]["email"] for e in week}
    assert {"wes@contoso.example", "rita@contoso.example", "sam@contoso.example"} <= by_email
    summaries = [e["summary"] for e in week]
    founding = sorted(week, key=lambda e: e["seq"] or 0)[:2]
    assert [e["summary"] for e in founding] == [
        "Created tenant 'Contoso' (time zone Europe/London)",
        "Invited 'alice@contoso.example' as Owner",
    ]
    assert {(e["actor"]["name"], e["source"]) for e in founding} == {
        ("tenant-create", "Command line")
    }
    assert "Accepted an invitation" in summaries
    assert any(s.startswith("Tried to create group 'Reader Try Group'") for s in summaries)
    assert len([e for e in week if e["status"] in (401, 403)]) >= 3
    assert "Edited group 'Sales': description, members (+2, \u22121)" in summaries
    assert "Deleted group 'Temporary Campaign'" in summaries
    system_days = {e["occurred_at"][:10] for e in week if e["actor"]["type"] == "system"}
    assert len(system_days) >= 2
    assert any(s.startswith("Partner access started via Access Service") for s in summaries)
    occurred = [e["occurred_at"] for e in sorted(week, key=lambda e: e["seq"] or 0)]
    assert occurred == sorted(occurred), "the week was written in the order it happened"


def log_in_with(client: TestClient, email: str, password: str) -> None:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.headers[CSRF_HEADER] = response.json()["csrf_token"]


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def _every_entry(user: TestClient, tenant_id: uuid.UUID | None, **query: Any) -> list[Any]:
    found: list[Any] = []
    params: dict[str, Any] = {"action_type": "all", "limit": 200, **query}
    while True:
        response = user.get(f"/api/v1/tenants/{tenant_id}/audit-log", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["items"]
        if not page["next_cursor"]:
            return found
        params["cursor"] = page["next_cursor"]
