"""The demo's telephony and its System and Partner activity, all through the API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager import demo_activity
from callmanager.auth.principal import Role
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
