"""One structured line per request: method, route template, status, duration, tenant, actor
type and audit entry id; secret query parameters redacted; JSON or readable text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from asgi_audit import REDACTED
from callmanager.auth.principal import Role
from callmanager.logs import REQUEST_LOGGER, RedactSecrets, log_config, structured_formatter
from tests.conftest import LoginAs
from tests.factories import audit_store_down


@pytest.fixture
def request_lines() -> Iterator[io.StringIO]:
    """What the request logger writes, through the service's own formatter (JSON lines)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structured_formatter(json_lines=True))
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)  # (not `logger.level =`: setLevel clears the level cache)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_request_is_one_json_line_with_route_tenant_actor_and_entry(
    login_as: LoginAs, request_lines: io.StringIO
) -> None:
    writer = login_as(Role.WRITER)
    request_lines.truncate(0)
    request_lines.seek(0)
    created = writer.client.post(writer.url("/groups"), json={"name": "Logged"})
    assert created.status_code == 201

    [line] = _lines(request_lines)
    assert line["event"] == f"POST {writer.url('/groups')} 201"
    assert line["method"] == "POST"
    assert line["route"] == "/api/v1/tenants/{tenant_id}/groups"
    assert line["status"] == 201
    assert line["tenant"] == str(writer.tenant_id)
    assert line["actor_type"] == "user"
    assert line["audit_entry_id"] == created.headers["Audit-Entry-Id"]
    assert line["duration_ms"] > 0
    assert line["level"] == "info"
    assert line["logger"] == REQUEST_LOGGER
    assert "timestamp" in line
    assert writer.email not in request_lines.getvalue()


def test_routes_of_included_routers_are_logged_by_their_whole_template(
    client: TestClient, request_lines: io.StringIO
) -> None:
    client.get("/api/v1/auth/me")
    client.get("/healthz")
    client.get("/no/such/page/at/all")
    routes = [(line["route"], line["status"], line["actor_type"]) for line in _lines(request_lines)]
    assert routes[0] == ("/api/v1/auth/me", 401, "anonymous")
    assert routes[1] == ("/healthz", 200, "anonymous")
    assert routes[2][1] == 404


def test_secret_query_parameters_are_redacted_in_the_request_line(
    client: TestClient, request_lines: io.StringIO
) -> None:
    client.get("/api/v1/auth/me", params={"api_key": "cm_s3cr3t", "view": "full"})
    [line] = _lines(request_lines)
    assert "cm_s3cr3t" not in request_lines.getvalue()
    assert line["path"] == f"/api/v1/auth/me?api_key={REDACTED}&view=full"


def test_a_token_in_a_header_or_the_query_never_reaches_the_request_line(
    login_as: LoginAs, request_lines: io.StringIO
) -> None:
    owner = login_as(Role.OWNER)
    created = owner.client.post("/api/v1/auth/tokens", json={"name": "logged"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    request_lines.truncate(0)
    request_lines.seek(0)
    headers = {"Authorization": f"Bearer {token}", "X-Api-Key": token}
    answered = owner.client.get(
        owner.url("/groups"), params={"token": token, "limit": 5}, headers=headers
    )
    assert answered.status_code == 200, answered.text
    [line] = _lines(request_lines)
    assert token not in request_lines.getvalue()
    assert line["path"] == f"{owner.url('/groups')}?token={REDACTED}&limit=5"
    assert (line["actor_type"], line["tenant"]) == ("user", str(owner.tenant_id))


def test_a_change_refused_because_the_audit_store_is_down_is_logged_under_its_route(
    sqlite_database_url: str, tmp_path: Path, request_lines: io.StringIO
) -> None:
    """The audit middleware refuses it before routing: the line still names its route
    template and tenant, and is an error."""
    with audit_store_down(sqlite_database_url, tmp_path, Role.OWNER) as down:
        request_lines.truncate(0)
        request_lines.seek(0)
        tenant = down.tenant_id
        refused = down.client.post(f"/api/v1/tenants/{tenant}/groups", json={"name": "Unrecorded"})
    assert refused.status_code == 503
    [line] = _lines(request_lines)
    assert (line["route"], line["status"], line["level"]) == (
        "/api/v1/tenants/{tenant_id}/groups",
        503,
        "error",
    )
    assert (line["tenant"], line["actor_type"]) == (str(tenant), "user")


@pytest.mark.parametrize(("terminal", "json_lines"), [(True, False), (False, True)])
def test_the_service_log_is_json_unless_stderr_is_a_terminal(
    monkeypatch: pytest.MonkeyPatch, terminal: bool, json_lines: bool
) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: terminal)
    assert log_config("info")["formatters"]["service"]["json_lines"] is json_lines


def test_on_a_terminal_the_line_reads_as_text() -> None:
    record = logging.LogRecord(
        REQUEST_LOGGER, logging.INFO, __file__, 1, "%s %s %d", ("GET", "/healthz", 200), None
    )
    record.route = "/healthz"
    text = structured_formatter(json_lines=False).format(record)
    assert "GET /healthz 200" in text
    assert "route=/healthz" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
