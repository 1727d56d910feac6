"""What a partner does is in the tenant's log as Partner, with nothing that identifies them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER, SESSION_COOKIE
from callmanager.db import utcnow
from callmanager.partner.grants import new_grant, sign_grant
from callmanager.partner.keys import local_private_key
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import LoginAs

PARTNER_ORG = "Northwind Provisioning"


def test_a_partners_change_is_recorded_as_partner_with_no_person_identified(
    login_as: LoginAs,
    client: TestClient,
    settings: Settings,
    services: Services,
    tenant_id: uuid.UUID,
) -> None:
    owner = login_as(Role.OWNER)
    grant = new_grant(tenant_id, PARTNER_ORG, now=utcnow())
    token = sign_grant(grant, local_private_key(settings))
    partner = TestClient(client.app)
    entered = partner.post(
        "/api/v1/partner-access", json={"grant": token, "tenant_id": str(tenant_id)}
    )
    assert entered.status_code == 200, entered.text
    csrf = entered.json()["csrf_token"]
    partner.headers[CSRF_HEADER] = csrf
    made = partner.post(f"/api/v1/tenants/{tenant_id}/groups", json={"name": "Escalations"})
    assert made.status_code == 201, made.text

    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    items: list[dict[str, Any]] = owner.client.get(
        owner.url("/audit-log"), params={"actor_type": "partner"}
    ).json()["items"]
    entry, came_in = items
    assert came_in["summary"].startswith("Partner access started via Access Service")
    assert entry["summary"] == "Created group 'Escalations'"
    assert entry["source"] == "Partner"
    assert entry["actor"] == {"type": "partner", "id": None, "email": None, "name": None}

    whole = owner.client.get(owner.url(f"/audit-log/{entry['id']}")).json()
    stored = json.dumps(whole)
    session_token = entered.cookies[SESSION_COOKIE]
    for secret_or_identity in (PARTNER_ORG, token, grant.nonce, session_token, csrf):
        assert secret_or_identity not in stored
    assert whole["client_ip"] is None
    assert whole["user_agent"] is None


def test_a_users_entry_keeps_their_client_address_and_user_agent(login_as: LoginAs) -> None:
    """Only partner entries conceal the client; a user's entry shows where it came from."""
    owner = login_as(Role.OWNER)
    owner.client.headers["user-agent"] = "Contoso Browser/1.0"
    owner.client.post(owner.url("/groups"), json={"name": "Visible"})
    [entry] = owner.client.get(owner.url("/audit-log")).json()["items"]
    whole = owner.client.get(owner.url(f"/audit-log/{entry['id']}")).json()
    assert whole["client_ip"] == "testclient"
    assert whole["user_agent"] == "Contoso Browser/1.0"
