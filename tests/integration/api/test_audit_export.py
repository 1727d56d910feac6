"""Exporting the Audit Log as the UI does: who may, the filters of the view, every page streamed."""

from __future__ import annotations

import csv
import io
import json

from callmanager.auth.principal import Role
from tests.conftest import LoginAs


def test_owners_writers_and_readers_export_but_tenant_setup_may_not(login_as: LoginAs) -> None:
    for role, status in [
        (Role.OWNER, 200),
        (Role.WRITER, 200),
        (Role.READER, 200),
        (Role.TENANT_SETUP, 403),
    ]:
        user = login_as(role)
        for fmt in ("csv", "jsonl"):
            response = user.client.get(user.url("/audit-log/export"), params={"format": fmt})
            assert response.status_code == status, (role, fmt, response.text)


def test_the_export_is_an_attachment_of_exactly_the_filtered_view(login_as: LoginAs) -> None:
    writer = login_as(Role.WRITER)
    for name in ("Example New Group", "Other"):
        assert writer.client.post(writer.url("/groups"), json={"name": name}).status_code == 201
    view = {"action_type": "create", "q": "Example New"}

    jsonl = writer.client.get(writer.url("/audit-log/export"), params={**view, "format": "jsonl"})
    assert jsonl.headers["content-disposition"].startswith("attachment;")
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line)["summary"] for line in jsonl.text.splitlines()[:-1]] == [
        "Created group 'Example New Group'"
    ]

    exported = writer.client.get(writer.url("/audit-log/export"), params={**view, "format": "csv"})
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["summary"], r["actor"], r["source"]) for r in rows] == [
        ("Created group 'Example New Group'", writer.email, "Call Manager")
    ]


def test_the_export_streams_every_page_newest_first_without_repeats(login_as: LoginAs) -> None:
    """More entries than one internal page (200): the export walks the cursor to the end."""
    writer = login_as(Role.WRITER)
    for n in range(230):
        created = writer.client.post(writer.url("/groups"), json={"name": f"Group {n:03d}"})
        assert created.status_code == 201
    jsonl = writer.client.get(writer.url("/audit-log/export"), params={"format": "jsonl"})
    *entries, trailer = [json.loads(line) for line in jsonl.text.splitlines()]
    assert trailer["range"] is None
    assert len(entries) == 230
    assert len({e["id"] for e in entries}) == 230
    assert entries[0]["summary"] == "Created group 'Group 229'"
    assert entries[-1]["summary"] == "Created group 'Group 000'"
    assert [e["occurred_at"] for e in entries] == sorted(
        (e["occurred_at"] for e in entries), reverse=True
    )
