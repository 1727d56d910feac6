"""The Audit Log API against the whole app: what a tenant's people see, who may see it, the
query parameters, isolation between tenants, and the invitation's secrets kept out."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, select, text

from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.domain.groups.models import Group
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import LoginAs, make_settings
from tests.factories import LoggedIn, log_in, make_tenant, make_user

NEW_PASSWORD = "a long new password 42"


def entries(user: LoggedIn, services: Services, **params: Any) -> list[dict[str, Any]]:
    """The log as `user` sees it, after the writer's pending batch is committed."""
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    response = user.client.get(user.url("/audit-log"), params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_group_created_from_call_manager_shows_in_todays_modifications(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    created = writer.client.post(writer.url("/groups"), json={"name": "Example New Group"})
    assert created.status_code == 201
    writer.client.get(writer.url("/groups"))

    [entry] = entries(writer, services)
    assert entry["summary"] == "Created group 'Example New Group'"
    assert entry["source"] == "Call Manager"
    assert entry["actor"] == {
        "type": "user",
        "id": str(writer.user_id),
        "email": writer.email,
        "name": writer.email.split("@")[0],
    }
    assert (entry["action"], entry["method"], entry["status"], entry["outcome"]) == (
        "create",
        "POST",
        201,
        "succeeded",
    )
    assert entry["path"] == writer.url("/groups")
    assert entry["resource"]["type"] == "group"

    whole = writer.client.get(writer.url(f"/audit-log/{entry['id']}")).json()
    assert whole["request"]["body"] == {"name": "Example New Group"}
    assert whole["response"]["body"]["id"] == created.json()["id"]
    assert whole["request"]["content_type"] == "application/json"


def test_all_actions_include_reads_and_reading_the_log_is_itself_recorded(
    login_as: LoginAs, services: Services
) -> None:
    reader = login_as(Role.READER)
    reader.client.get(reader.url("/groups"))
    reader.client.get(reader.url("/audit-log"))
    summaries = [e["summary"] for e in entries(reader, services, action_type="all")]
    assert summaries[-2:] == ["Viewed audit log", "Listed groups"]
    assert entries(reader, services, action_type="read")
    assert all(e["action"] == "read" for e in entries(reader, services, action_type="read"))


def test_the_logs_own_reads_are_recorded_without_storing_their_responses_again(
    login_as: LoginAs, services: Services
) -> None:
    """A search, an entry and an export copy what the log holds: recorded by size and digest."""
    owner = login_as(Role.OWNER)
    owner.client.get(owner.url("/groups"))
    [listed] = entries(owner, services, action_type="read")
    responses = {
        "search": owner.client.get(owner.url("/audit-log"), params={"action_type": "all"}),
        "entry": owner.client.get(owner.url(f"/audit-log/{listed['id']}")),
        "export": owner.client.get(
            owner.url("/audit-log/export"), params={"format": "jsonl", "action_type": "all"}
        ),
        "refused": owner.client.get(owner.url("/audit-log"), params={"action_type": "bogus"}),
    }
    assert [r.status_code for r in responses.values()] == [200, 200, 200, 422]
    recorded = {
        e["path"]: owner.client.get(owner.url(f"/audit-log/{e['id']}")).json()["response"]
        for e in entries(owner, services, action_type="read", resource_type="audit_log")
    }
    for name in ("search", "entry", "export"):
        response = responses[name]
        stored = recorded[response.request.url.raw_path.decode()]
        assert stored == {
            "content_type": response.headers["content-type"],
            "size": len(response.content),
            "truncated": False,
            "sha256": hashlib.sha256(response.content).hexdigest(),
        }, name
    refused = recorded[responses["refused"].request.url.raw_path.decode()]
    assert refused["body"]["status"] == 422
    whole = owner.client.get(owner.url(f"/audit-log/{listed['id']}")).json()
    assert whole["response"]["body"] == {"items": []}


def test_tenant_setup_may_not_read_the_log_and_the_refusal_is_recorded(
    login_as: LoginAs, services: Services
) -> None:
    setup = login_as(Role.TENANT_SETUP)
    refused = setup.client.get(setup.url("/audit-log"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    owner = login_as(Role.OWNER)
    [entry] = [e for e in entries(owner, services, action_type="all") if e["status"] == 403]
    assert (entry["actor"]["email"], entry["outcome"]) == (setup.email, "failed")


def test_a_refused_modification_is_recorded_with_its_status(
    login_as: LoginAs, services: Services
) -> None:
    reader = login_as(Role.READER)
    assert reader.client.post(reader.url("/groups"), json={"name": "Nope"}).status_code == 403
    [entry] = entries(reader, services)
    assert (entry["status"], entry["outcome"], entry["actor"]["email"]) == (
        403,
        "failed",
        reader.email,
    )


def test_system_calls_are_tagged_system_and_name_no_user(
    app: FastAPI, login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    system = TestClient(app, headers=services.system_headers("holiday-migration"))
    assert system.post(owner.url("/groups"), json={"name": "By the system"}).status_code == 201
    [entry] = entries(owner, services, actor_type="system")
    assert entry["source"] == "System"
    assert entry["actor"] == {
        "type": "system",
        "id": "holiday-migration",
        "email": None,
        "name": "holiday-migration",
    }


INVALID = [
    ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "to"),
    ({"from": "2026-02-30"}, "from"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"from": "0001-01-01", "to": "9999-12-31"}, "to"),
    ({"from": "9999-12-31"}, "from"),
    ({"to": "0001-01-01T00:00:00+14:00"}, "from"),
]
"""Values of the right type the search still refuses (400, naming the parameter)."""

MISTYPED = [
    ({"action_type": "update"}, "action_type"),
    ({"actor_type": "robot"}, "actor_type"),
    ({"status": "9xx"}, "status"),
    ({"limit": "500"}, "limit"),
    ({"q": "ab\x00cd"}, "q"),
    ({"q": "tab\there"}, "q"),
    ({"limit": "ten"}, "limit"),
    ({"q": "a\x1bb"}, "q"),
    ({"from": ""}, "from"),
]
"""Values outside the type the OpenAPI document gives (422, as on every route)."""


def test_invalid_parameters_are_a_400_problem_naming_the_parameter(login_as: LoginAs) -> None:
    reader = login_as(Role.READER)
    for params, parameter in INVALID:
        response = reader.client.get(reader.url("/audit-log"), params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["parameter"] == parameter


def test_a_day_at_the_edge_of_the_calendar_is_searched_and_found_empty(login_as: LoginAs) -> None:
    reader = login_as(Role.READER)
    for start, end in [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")]:
        response = reader.client.get(reader.url("/audit-log"), params={"from": start, "to": end})
        assert response.status_code == 200, response.text
        assert response.json()["items"] == []


def test_a_parameter_outside_its_documented_type_is_a_422_problem_naming_it(
    login_as: LoginAs,
) -> None:
    reader = login_as(Role.READER)
    for params, parameter in MISTYPED:
        response = reader.client.get(reader.url("/audit-log"), params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["loc"] for e in response.json()["errors"]] == [["query", parameter]], params


def test_pages_follow_the_cursor_and_a_foreign_cursor_is_refused(
    login_as: LoginAs, services: Services, app: FastAPI
) -> None:
    writer = login_as(Role.WRITER)
    for n in range(5):
        writer.client.post(writer.url("/groups"), json={"name": f"Group {n}"})
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = writer.client.get(writer.url("/audit-log"), params=params).json()
        seen += [e["summary"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Created group 'Group {n}'" for n in reversed(range(5))]

    first = writer.client.get(writer.url("/audit-log"), params={"limit": 1}).json()
    other_tenant = make_tenant(services, "Fabrikam")
    make_user(services, other_tenant, "owner@fabrikam.example", Role.OWNER)
    other = TestClient(app)
    log_in(other, "owner@fabrikam.example")
    foreign = other.get(
        f"/api/v1/tenants/{other_tenant}/audit-log",
        params={"limit": 1, "cursor": first["next_cursor"]},
    )
    assert foreign.status_code == 400


def test_another_tenants_people_see_nothing_and_are_anonymous_here(
    login_as: LoginAs, services: Services, app: FastAPI
) -> None:
    owner = login_as(Role.OWNER)
    owner.client.post(owner.url("/groups"), json={"name": "Ours"})
    [ours] = entries(owner, services)

    other_tenant = make_tenant(services, "Fabrikam")
    make_user(services, other_tenant, "mallory@fabrikam.example", Role.OWNER)
    mallory = TestClient(app)
    log_in(mallory, "mallory@fabrikam.example")
    assert mallory.get(owner.url("/audit-log")).status_code == 404
    assert mallory.get(owner.url(f"/audit-log/{ours['id']}")).status_code == 404
    theirs = f"/api/v1/tenants/{other_tenant}/audit-log/{ours['id']}"
    assert mallory.get(theirs).status_code == 404

    probes = [e for e in entries(owner, services, action_type="all") if e["status"] == 404]
    assert probes
    assert {e["actor"]["type"] for e in probes} == {"anonymous"}
    assert all("mallory" not in str(e) for e in probes)


def test_an_entry_id_that_is_not_an_entry_is_404(login_as: LoginAs) -> None:
    reader = login_as(Role.READER)
    for entry_id in (
        str(uuid.uuid4()),
        "nonsense",
        "ffffffff-ffff-7fff-bfff-ffffffffffff",
        "00000000-0000-7000-8000-000000000000",
    ):
        assert reader.client.get(reader.url(f"/audit-log/{entry_id}")).status_code == 404


def test_the_export_holds_every_matching_entry(login_as: LoginAs, services: Services) -> None:
    writer = login_as(Role.WRITER)
    for n in range(3):
        writer.client.post(writer.url("/groups"), json={"name": f"=cmd|{n}"})
    jsonl = writer.client.get(writer.url("/audit-log/export"), params={"format": "jsonl"})
    assert jsonl.status_code == 200
    *lines, trailer = jsonl.text.splitlines()
    assert len(lines) == 3
    assert set(json.loads(trailer)) == {"checkpoint", "tree_size", "range"}
    csv_text = writer.client.get(writer.url("/audit-log/export"), params={"format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("occurred_at,id,seq,action,summary")
    assert len(csv_text.splitlines()) == 4


def test_an_invitation_keeps_only_its_summary_and_no_secret_is_stored_anywhere(
    login_as: LoginAs, services: Services, app: FastAPI, settings: Settings
) -> None:
    owner = login_as(Role.OWNER)
    invited = owner.client.post(
        owner.url("/invitations"),
        json={"email": "bob@contoso.example", "name": "Bob", "role": "writer"},
    )
    assert invited.status_code == 201
    token = invited.json()["token"]
    accepted = TestClient(app).post(
        owner.url(f"/invitations/accept?token={token}"),
        json={"token": token, "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 201, accepted.text

    logged = {e["summary"]: e for e in entries(owner, services)}
    invited_id = logged["Invited 'bob@contoso.example' as Writer"]["id"]
    invitation = owner.client.get(owner.url(f"/audit-log/{invited_id}")).json()
    assert invitation["response"]["sensitive"] is True
    assert set(invitation["response"]["body"]) == {"id", "email", "name", "role", "expires_at"}
    acceptance = owner.client.get(
        owner.url(f"/audit-log/{logged['Accepted an invitation']['id']}")
    ).json()
    assert acceptance["request"]["body"] == {"token": "[REDACTED]", "password": "[REDACTED]"}
    assert acceptance["actor"]["type"] == "anonymous"

    services.audit_writer.flush_blocking(timeout=5)  # type: ignore[union-attr]
    stored = database_bytes(settings.resolved_database_url, Path(settings.var_dir))
    assert token.encode() not in stored
    assert NEW_PASSWORD.encode() not in stored
    assert b"bob@contoso.example" in stored, "the scan does see what is stored"


def database_bytes(url: str, var_dir: Path) -> bytes:
    """Every byte the database holds: SQLite's files, or a dump of every PostgreSQL table."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())
    engine = create_engine(url)
    chunks: list[bytes] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT t::text FROM "{table}" t'))  # noqa: S608
            chunks += [row[0].encode() for row in rows]
    engine.dispose()
    return b"\n".join(chunks)


def test_with_the_audit_store_down_changes_are_refused_and_nothing_changes(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(
        database_url, tmp_path, audit_database_url=f"sqlite:///{tmp_path}/missing/dir/audit.db"
    )
    app = create_app(settings)
    services: Services = app.state.services
    tenant = make_tenant(services)
    make_user(services, tenant, "w@contoso.example", Role.WRITER)
    with TestClient(app) as client:
        assert services.audit_writer is not None
        services.audit_writer.shutdown_timeout = 0.1  # what it holds can never be written
        log_in(client, "w@contoso.example")
        refused = client.post(f"/api/v1/tenants/{tenant}/groups", json={"name": "Never"})
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        with services.session_factory() as db:
            assert db.scalars(select(Group)).all() == []


def test_the_pages_vocabulary_is_served_with_the_tenants_resource_types(
    login_as: LoginAs,
) -> None:
    reader = login_as(Role.READER)
    words = reader.client.get(reader.url("/audit-log/vocabulary")).json()
    assert {"value": "group", "label": "Groups"} in words["resource_types"]
    assert words["action_types"][0]["value"] == "modifications"
    assert {"value": "partner", "label": "Partner"} in words["actor_types"]
