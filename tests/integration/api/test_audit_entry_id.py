"""Every audited response names its entry in `Audit-Entry-Id`, and the id finds that entry
through the API; the OpenAPI document lists the header on every audited route's responses."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.services import Services
from tests.conftest import LoginAs


def test_a_create_names_its_entry_and_the_id_finds_it(
    login_as: LoginAs, services: Services
) -> None:
    writer = login_as(Role.WRITER)
    created = writer.client.post(writer.url("/groups"), json={"name": "Found By Id"})
    assert created.status_code == 201
    entry_id = created.headers["Audit-Entry-Id"]

    found = writer.client.get(writer.url(f"/audit-log/{entry_id}"))
    assert found.status_code == 200, found.text
    entry = found.json()
    assert entry["id"] == entry_id
    assert entry["summary"] == "Created group 'Found By Id'"
    assert entry["status"] == 201


def test_a_refused_call_and_a_read_name_their_entries_too(
    login_as: LoginAs, services: Services
) -> None:
    reader = login_as(Role.READER)
    refused = reader.client.post(reader.url("/groups"), json={"name": "Not Allowed"})
    listed = reader.client.get(reader.url("/groups"))
    assert (refused.status_code, listed.status_code) == (403, 200)
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)

    for response, status in ((refused, 403), (listed, 200)):
        found = reader.client.get(reader.url(f"/audit-log/{response.headers['Audit-Entry-Id']}"))
        assert found.status_code == 200, found.text
        assert found.json()["status"] == status


def test_responses_outside_the_tenant_api_carry_no_audit_entry_id(client: TestClient) -> None:
    assert "Audit-Entry-Id" not in client.get("/api/v1/auth/me").headers
    assert "Audit-Entry-Id" not in client.get("/openapi.json").headers


def test_the_openapi_document_lists_the_header_on_every_audited_response(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    audited = {
        p: ops
        for p, ops in paths.items()
        if p.startswith("/api/v1/tenants/{tenant_id}") or p == "/api/v1/partner-access"
    }
    assert audited
    for path, operations in audited.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                header = response.get("headers", {}).get("Audit-Entry-Id")
                assert header is not None, (path, method, status)
                assert header["schema"] == {"type": "string", "format": "uuid"}
    assert all(
        "Audit-Entry-Id" not in response.get("headers", {})
        for path, operations in paths.items()
        if path not in audited
        for operation in operations.values()
        for response in operation["responses"].values()
    )
