"""No entry of a call that was refused or failed reads as if it was done: every tenant route is
driven as a Reader and as an anonymous caller, and every summary stored is checked."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from asgi_audit.routes import HTTP_METHODS
from asgi_audit.summaries import INFINITIVES
from callmanager.audit_rules import TENANT_PREFIX
from callmanager.auth.principal import Role
from callmanager.services import Services
from tests.conftest import LoginAs
from tests.factories import LoggedIn

NOT_SUCCESS = frozenset({"Failed", "Tried", "Refused"})
"""Words ending in -ed that say a call did not happen."""


def reads_as_done(summary: str) -> bool:
    """Whether a summary starts with a past-tense verb of success (`Created`, `Viewed` …)."""
    first = summary.split(" ", 1)[0]
    return first in INFINITIVES or (first.endswith("ed") and first not in NOT_SUCCESS)


def test_the_check_catches_a_summary_that_reads_as_done() -> None:
    assert reads_as_done("Created group 'Reader Try Group'")
    assert reads_as_done("Invited 'b@x.io' as Writer")
    assert reads_as_done("Read the audit log's leaves")
    assert not reads_as_done(
        "Tried to create group 'X' \u2014 refused (403: Readers may not do this)"
    )
    assert not reads_as_done("Failed to edit group 'X' (409: A group named 'X' already exists)")


def test_no_refused_or_failed_call_on_any_tenant_route_reads_as_done(
    app: FastAPI, login_as: LoginAs, services: Services, tenant_id: uuid.UUID
) -> None:
    owner, reader = login_as(Role.OWNER), login_as(Role.READER)
    anonymous = TestClient(app)
    group = owner.client.post(owner.url("/groups"), json={"name": "Existing"}).json()["id"]
    called = 0
    for template, methods in app.openapi()["paths"].items():
        if not template.startswith(TENANT_PREFIX):
            continue
        path = _filled(template, tenant_id, group)
        for method in (m.upper() for m in methods):
            if method not in HTTP_METHODS:
                continue
            body = {"name": "Reader Try Group"} if method != "GET" else None
            for caller in (reader.client, anonymous):
                caller.request(method, path, json=body)
                called += 1
    reader.client.get(reader.url("/groups/abc/members"))
    assert called > 40

    failed = [e for e in _every_entry(owner, services) if e["outcome"] != "succeeded"]
    assert len(failed) > 30
    assert {e["status"] for e in failed} >= {401, 403, 404}
    misleading = [e["summary"] for e in failed if reads_as_done(e["summary"])]
    assert misleading == []
    assert all(
        e["summary"].startswith("Outcome unknown") for e in failed if e["outcome"] == "unknown"
    )


def _filled(template: str, tenant_id: uuid.UUID, group: str) -> str:
    path = template.replace("{tenant_id}", str(tenant_id))
    return re.sub(r"\{[^}]+\}", group, path)


def _every_entry(user: LoggedIn, services: Services) -> list[dict[str, Any]]:
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"action_type": "all", "limit": 200}
    while True:
        page = user.client.get(user.url("/audit-log"), params=params).json()
        found += page["items"]
        if not page["next_cursor"]:
            return found
        params["cursor"] = page["next_cursor"]
