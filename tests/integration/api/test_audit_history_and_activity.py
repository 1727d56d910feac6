"""The Audit Log API's incident questions: the history of one thing, search that finds people,
tasks and partners, leaving the log's own views out, and the activity chart."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.db import utcnow
from callmanager.partner.grants import new_grant, sign_grant
from callmanager.partner.keys import local_private_key
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import LoginAs
from tests.factories import LoggedIn

CATEGORIES = ("modifications", "reads", "refused", "failed", "unknown")


def _flush(services: Services) -> None:
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)


def _items(user: LoggedIn, services: Services, **params: Any) -> list[dict[str, Any]]:
    _flush(services)
    response = user.client.get(user.url("/audit-log"), params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_history_of_a_group_is_its_entries_oldest_or_newest_first(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    group = writer.client.post(writer.url("/groups"), json={"name": "Sales"}).json()
    other = writer.client.post(writer.url("/groups"), json={"name": "Other"}).json()
    for name in ("Sales EMEA", "Sales Europe"):
        edited = writer.client.patch(writer.url(f"/groups/{group['id']}"), json={"name": name})
        assert edited.status_code == 200, edited.text
    writer.client.get(writer.url(f"/groups/{group['id']}"))
    writer.client.get(writer.url(f"/groups/{other['id']}"))

    history = {"action_type": "all", "resource_type": "group", "resource_id": group["id"]}
    oldest_first = _items(writer, services, **history, order="asc")
    newest_first = _items(writer, services, **history)
    assert [e["action"] for e in oldest_first if e["action"] != "create"] == [
        "edit",
        "edit",
        "read",
    ]
    assert {e["resource"]["id"] for e in oldest_first} == {group["id"]}
    assert newest_first == list(reversed(oldest_first))
    assert [e["occurred_at"] for e in oldest_first] == sorted(
        e["occurred_at"] for e in oldest_first
    )

    export = writer.client.get(
        writer.url("/audit-log/export"), params={**history, "order": "asc", "format": "csv"}
    )
    assert export.status_code == 200
    assert len([line for line in export.text.splitlines() if group["id"] in line]) == len(
        oldest_first
    )


def test_search_finds_a_users_email_a_system_task_and_partners(
    app: FastAPI,
    login_as: LoginAs,
    services: Services,
    settings: Settings,
    tenant_id: uuid.UUID,
) -> None:
    owner = login_as(Role.OWNER, "dana.whitfield@contoso.example")
    owner.client.post(owner.url("/groups"), json={"name": "Reception"})
    system = TestClient(app, headers=services.system_headers("holiday-import"))
    assert system.post(owner.url("/groups"), json={"name": "Bank holidays"}).status_code == 201
    partner = TestClient(app)
    token = sign_grant(new_grant(tenant_id, "Northwind", now=utcnow()), local_private_key(settings))
    entered = partner.post(
        "/api/v1/partner-access", json={"grant": token, "tenant_id": str(tenant_id)}
    )
    assert entered.status_code == 200, entered.text
    partner.headers[CSRF_HEADER] = entered.json()["csrf_token"]
    assert partner.post(owner.url("/groups"), json={"name": "Escalations"}).status_code == 201

    def who(q: str) -> set[str]:
        return {e["actor"]["type"] for e in _items(owner, services, q=q)}

    assert who("whitfield@") == {"user"}
    assert who("holiday-imp") == {"system"}
    assert who("partner") == {"partner"}


def test_views_of_the_audit_log_can_be_left_out(login_as: LoginAs, services: Services) -> None:
    reader = login_as(Role.READER)
    reader.client.get(reader.url("/groups"))
    reader.client.get(reader.url("/audit-log"))
    kinds = [e["resource"]["type"] for e in _items(reader, services, action_type="all")]
    assert "audit_log" in kinds
    shown = _items(reader, services, action_type="all", exclude_resource_type="audit_log")
    assert [e["summary"] for e in shown] == ["Listed groups"]


def test_the_activity_chart_counts_todays_calls_by_category(
    login_as: LoginAs, services: Services
) -> None:
    writer, reader = login_as(Role.WRITER), login_as(Role.READER)
    writer.client.post(writer.url("/groups"), json={"name": "Sales"})
    writer.client.get(writer.url("/groups"))
    assert reader.client.post(reader.url("/groups"), json={"name": "Try"}).status_code == 403
    _flush(services)

    response = reader.client.get(reader.url("/audit-log/activity"), params={"action_type": "all"})
    assert response.status_code == 200, response.text
    chart = response.json()
    assert chart["bucket"] == "hour"
    assert chart["time_zone"]
    assert 23 <= len(chart["buckets"]) <= 25  # today, in the tenant's zone
    assert chart["buckets"][0]["start"] == chart["from"]
    assert chart["buckets"][-1]["end"] == chart["to"]
    totals = chart["totals"]
    assert totals["modifications"] == 1
    assert totals["refused"] == 1
    assert totals["reads"] >= 1
    assert totals["total"] == sum(totals[c] for c in CATEGORIES)
    assert totals == {key: sum(b[key] for b in chart["buckets"]) for key in ("total", *CATEGORIES)}

    [viewed] = _items(reader, services, action_type="all", q="activity")
    assert viewed["summary"] == "Viewed the audit log's activity"
    whole = reader.client.get(reader.url(f"/audit-log/{viewed['id']}")).json()
    assert "body" not in whole["response"]


def test_bad_activity_and_history_parameters_are_problems_naming_them(
    login_as: LoginAs,
) -> None:
    reader = login_as(Role.READER)
    too_many = {"bucket": "hour", "from": "2026-01-01", "to": "2026-03-01"}
    cases = [
        ("/audit-log/activity", too_many, 400, "bucket"),
        ("/audit-log/activity", {"bucket": "week"}, 422, "bucket"),
        ("/audit-log", {"order": "sideways"}, 422, "order"),
        ("/audit-log", {"resource_id": "x" * 201}, 422, "resource_id"),
        ("/audit-log/export", {"exclude_resource_type": "a\tb"}, 422, "exclude_resource_type"),
    ]
    for path, params, status, parameter in cases:
        response = reader.client.get(reader.url(path), params=params)
        assert response.status_code == status, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        named = body.get("parameter") or body["errors"][0]["loc"][-1]
        assert named == parameter


def test_json_lines_carry_the_request_and_response_as_the_entry_does(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    made = writer.client.post(writer.url("/groups"), json={"name": "Night shift"}).json()
    _flush(services)
    export = writer.client.get(writer.url("/audit-log/export"), params={"q": "Night shift"})
    *lines, _trailer = [json.loads(line) for line in export.text.splitlines()]
    [line] = lines
    whole = writer.client.get(writer.url(f"/audit-log/{line['id']}")).json()
    assert line["request"] == whole["request"]
    assert line["request"]["body"] == {"name": "Night shift"}
    assert line["response"]["body"]["id"] == made["id"]
    assert {k: v for k, v in line.items() if k not in ("leaf", "inclusion_path")} == whole
    csv_header = writer.client.get(
        writer.url("/audit-log/export"), params={"format": "csv"}
    ).text.splitlines()[0]
    assert csv_header.endswith("request and response: not in CSV (see the JSON Lines export)")
