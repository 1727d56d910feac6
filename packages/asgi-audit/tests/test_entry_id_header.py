"""Every audited response names its entry in `Audit-Entry-Id`; other responses do not."""

from __future__ import annotations

import pytest

from asgi_audit.testing import AuditRecorder
from example_app import BASE, Calls, audited, call

pytestmark = pytest.mark.anyio

JSON_HEADERS = [("content-type", "application/json")]


async def test_a_read_names_its_entry_in_the_audit_entry_id_header() -> None:
    async with AuditRecorder() as audit:
        sent = await call(audited(Calls(), audit.writer), "GET", f"{BASE}/groups")
        [entry] = await audit.aentries()
    assert sent.headers["audit-entry-id"] == str(entry.id)


async def test_a_modification_names_its_entry_in_the_audit_entry_id_header() -> None:
    async with AuditRecorder() as audit:
        sent = await call(
            audited(Calls(), audit.writer),
            "POST",
            f"{BASE}/groups",
            chunks=[b'{"name": "Sales"}'],
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert sent.status == 201
    assert sent.headers["audit-entry-id"] == str(entry.id)


async def test_a_failed_call_names_its_entry_too() -> None:
    async with AuditRecorder() as audit:
        sent = await call(audited(Calls(), audit.writer), "GET", f"{BASE}/log", query=b"fail=1")
        [entry] = await audit.aentries()
    assert sent.status == 400
    assert sent.headers["audit-entry-id"] == str(entry.id)


async def test_a_call_outside_the_tenant_api_has_no_audit_entry_id_header() -> None:
    async with AuditRecorder() as audit:
        sent = await call(audited(Calls(), audit.writer), "GET", "/health")
    assert "audit-entry-id" not in sent.headers


async def test_the_header_can_be_renamed_or_left_out() -> None:
    async with AuditRecorder() as audit:
        renamed = await call(
            audited(Calls(), audit.writer, entry_id_header="X-Audit-Id"), "GET", f"{BASE}/groups"
        )
        left_out = await call(
            audited(Calls(), audit.writer, entry_id_header=None), "GET", f"{BASE}/groups"
        )
        first, _second = await audit.aentries()
    assert renamed.headers["x-audit-id"] == str(first.id)
    assert "audit-entry-id" not in left_out.headers
