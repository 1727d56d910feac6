"""Entries that say what happened: refused and failed calls read as tried, edits and deletes
name the thing as people know it, a create records the id it made, an edit shows what changed,
an unknown path invents no resource, and a partner's entry into the tenant is itself an entry."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.db import utcnow
from callmanager.partner.grants import new_grant, sign_grant
from callmanager.partner.keys import local_private_key
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import LoginAs
from tests.factories import LoggedIn, log_in, make_tenant, make_user
from tests.integration.api.test_call_flows import flow_body


def logged(user: LoggedIn, services: Services, **params: Any) -> list[dict[str, Any]]:
    """Every entry of the log, oldest first, after the writer's pending batch is committed."""
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    response = user.client.get(
        user.url("/audit-log"), params={"limit": 200, "action_type": "all", **params}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return [e for e in reversed(items) if e["resource"]["type"] != "audit_log"]


def whole(user: LoggedIn, entry: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = user.client.get(user.url(f"/audit-log/{entry['id']}")).json()
    return found


def test_a_refused_create_says_it_was_tried_and_why(login_as: LoginAs, services: Services) -> None:
    owner, reader = login_as(Role.OWNER), login_as(Role.READER)
    refused = reader.client.post(reader.url("/groups"), json={"name": "Reader Try Group"})
    assert refused.status_code == 403

    [entry] = logged(owner, services)
    assert entry["summary"] == (
        "Tried to create group 'Reader Try Group' \u2014 refused (403: Readers may not do this)"
    )
    assert (entry["status"], entry["outcome"]) == (403, "failed")


def test_a_failed_edit_says_it_failed_and_names_the_thing(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    writer.client.post(writer.url("/groups"), json={"name": "Sales"})
    support = writer.client.post(writer.url("/groups"), json={"name": "Support"}).json()
    clash = writer.client.patch(writer.url(f"/groups/{support['id']}"), json={"name": "Sales"})
    assert clash.status_code == 409

    *_, entry = logged(writer, services)
    assert entry["summary"].startswith("Failed to edit group 'Support' (409: ")
    assert entry["resource"] == {"type": "group", "id": support["id"], "name": "Support"}
    assert "changes" not in whole(writer, entry)


def test_an_edit_names_the_group_and_its_changes_field_by_field(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    made = writer.client.post(
        writer.url("/groups"), json={"name": "Sales EMEA", "members": ["a@x.io", "b@x.io"]}
    ).json()
    edited = writer.client.patch(
        writer.url(f"/groups/{made['id']}"),
        json={"name": "Sales Europe", "members": ["b@x.io", "c@x.io", "d@x.io"]},
    )
    assert edited.status_code == 200

    _, entry = logged(writer, services)
    assert entry["summary"] == "Edited group 'Sales EMEA': name, members (+2, \u22121)"
    assert entry["resource"] == {"type": "group", "id": made["id"], "name": "Sales EMEA"}
    assert whole(writer, entry)["changes"] == {
        "basis": "captured",
        "fields": [
            {"field": "name", "before": "Sales EMEA", "after": "Sales Europe"},
            {"field": "members", "added": ["c@x.io", "d@x.io"], "removed": ["a@x.io"]},
        ],
    }


def test_a_call_flows_business_hours_change_by_their_dotted_path(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    flow = writer.client.post(writer.url("/call-flows"), json=flow_body(name="London Reception"))
    assert flow.status_code == 201, flow.text
    body = flow.json()
    update = {k: body[k] for k in ("name", "phone_number", "time_zone", "routing", "holidays")}
    hours = {**body["business_hours"], "monday": [{"start": "10:00", "end": "16:00"}]}
    replaced = writer.client.put(
        writer.url(f"/call-flows/{body['id']}"), json={**update, "business_hours": hours}
    )
    assert replaced.status_code == 200, replaced.text

    _, entry = logged(writer, services)
    assert entry["summary"] == "Edited call flow 'London Reception': business hours"
    [change] = whole(writer, entry)["changes"]["fields"]
    assert change == {
        "field": "business_hours.monday",
        "before": body["business_hours"]["monday"],
        "after": [{"start": "10:00", "end": "16:00"}],
    }


def test_a_delete_names_what_was_deleted(login_as: LoginAs, services: Services) -> None:
    writer = login_as(Role.WRITER)
    made = writer.client.post(writer.url("/groups"), json={"name": "Sales EMEA"}).json()
    assert writer.client.delete(writer.url(f"/groups/{made['id']}")).status_code == 204

    _, entry = logged(writer, services)
    assert entry["summary"] == "Deleted group 'Sales EMEA'"
    assert entry["resource"] == {"type": "group", "id": made["id"], "name": "Sales EMEA"}


def test_a_removed_portal_user_is_named_by_email_and_roles_read_as_words(
    login_as: LoginAs, services: Services
) -> None:
    owner, other = login_as(Role.OWNER), login_as(Role.READER, "rita@contoso.example")
    owner.client.patch(owner.url(f"/portal-users/{other.user_id}"), json={"role": "tenant_setup"})
    owner.client.delete(owner.url(f"/portal-users/{other.user_id}"))

    changed, removed = logged(owner, services)
    assert changed["summary"] == (
        "Changed the role of portal user 'rita@contoso.example' to Tenant Setup"
    )
    assert removed["summary"] == "Deleted portal user 'rita@contoso.example'"


def test_a_create_records_the_id_it_made_and_reads_name_the_thing(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    made = writer.client.post(writer.url("/groups"), json={"name": "Sales"}).json()
    writer.client.get(writer.url(f"/groups/{made['id']}"))

    created, viewed = logged(writer, services)
    assert created["resource"] == {"type": "group", "id": made["id"], "name": "Sales"}
    assert viewed["summary"] == "Viewed group 'Sales'"


def test_a_path_the_api_does_not_have_gets_no_invented_resource(
    login_as: LoginAs, services: Services
) -> None:
    reader = login_as(Role.READER)
    assert reader.client.get(reader.url("/groups/abc/members")).status_code == 404

    [entry] = logged(reader, services)
    assert entry["resource"] == {"type": None, "id": None}
    assert entry["route"] is None
    assert entry["summary"].startswith("Failed to call a path the API does not have (404")


def test_an_edit_of_a_thing_that_is_gone_says_its_earlier_state_is_unknown(
    login_as: LoginAs, services: Services
) -> None:
    """Only a successful edit has changes; a 404 has none, and names no resource it invented."""
    writer = login_as(Role.WRITER)
    missing = uuid.uuid4()
    gone = writer.client.patch(writer.url(f"/groups/{missing}"), json={"name": "X"})
    assert gone.status_code == 404

    [entry] = logged(writer, services)
    assert entry["summary"] == f"Failed to edit group {missing} (404: No such group)"
    assert "changes" not in whole(writer, entry)


def test_a_partners_entry_into_the_tenant_is_an_entry_in_its_log(
    app: FastAPI, client: TestClient, settings: Settings, services: Services
) -> None:
    tenant_id = make_tenant(services, "Fabrikam", time_zone="Europe/London")
    grant = new_grant(tenant_id, "Northwind Provisioning", now=utcnow())
    token = sign_grant(grant, local_private_key(settings))
    entered = client.post(
        "/api/v1/partner-access", json={"grant": token, "tenant_id": str(tenant_id)}
    )
    assert entered.status_code == 200, entered.text
    expired = new_grant(tenant_id, "Northwind Provisioning", now=utcnow() - timedelta(hours=1))
    late = client.get(
        "/partner-access",
        params={"grant": sign_grant(expired, local_private_key(settings)), "tenant": tenant_id},
        follow_redirects=False,
    )
    assert late.status_code == 401

    owner = _owner_of(app, services, tenant_id)
    started, refused = logged(owner, services)
    until = entered.json()["expires_at"]
    local = _parse(until).astimezone(ZoneInfo("Europe/London"))
    assert started["summary"] == (
        f"Partner access started via Access Service, valid until {local:%H:%M} (Europe/London)"
    )
    assert refused["summary"] == "Partner access refused: expired grant"
    for entry in (started, refused):
        assert entry["actor"] == {"type": "partner", "id": None, "email": None, "name": None}
        assert entry["source"] == "Partner"
        stored = str(whole(owner, entry))
        assert token not in stored
        assert "Northwind" not in stored
        assert "grant=" not in entry["path"]
        assert (entry["client_ip"], entry["user_agent"]) == (None, None)
    assert refused["status"] == 401
    assert entered.headers["Audit-Entry-Id"] == started["id"]
    assert late.headers["Audit-Entry-Id"] == refused["id"]


def test_a_grant_for_no_tenant_here_is_refused_without_naming_an_entry(client: TestClient) -> None:
    """A refusal the log does not record (no such tenant) names no entry."""
    refused = client.post(
        "/api/v1/partner-access", json={"grant": "not.a.grant", "tenant_id": str(uuid.uuid4())}
    )
    assert refused.status_code in (401, 422)
    assert "Audit-Entry-Id" not in refused.headers


def test_a_forged_grant_writes_nothing_in_the_tenant_it_names(
    client: TestClient,
    settings: Settings,
    services: Services,
    login_as: LoginAs,
    tenant_id: uuid.UUID,
) -> None:
    """Anyone can name a tenant in a grant: only a signed one's refusal is the tenant's news."""
    token = sign_grant(new_grant(tenant_id, "Mallory", now=utcnow()), local_private_key(settings))
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    assert (
        client.post(
            "/api/v1/partner-access", json={"grant": forged, "tenant_id": str(tenant_id)}
        ).status_code
        == 401
    )

    assert logged(login_as(Role.OWNER), services) == []


def _owner_of(app: FastAPI, services: Services, tenant_id: uuid.UUID) -> LoggedIn:
    email = f"owner-{uuid.uuid4().hex[:6]}@fabrikam.example"
    user_id = make_user(services, tenant_id, email, Role.OWNER)
    owner = TestClient(app)
    log_in(owner, email)
    return LoggedIn(client=owner, tenant_id=tenant_id, user_id=user_id, email=email)


def _parse(instant: str) -> datetime:
    return datetime.fromisoformat(instant.replace("Z", "+00:00"))
