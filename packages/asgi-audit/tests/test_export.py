"""The export formats: JSON Lines of whole entries (bodies included), and CSV of the listed
fields, safe to open in a spreadsheet, saying that it leaves the bodies out."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from asgi_audit import (
    Actor,
    ActorType,
    AuditEvent,
    AuditLog,
    AuditQuery,
    Body,
    MemoryAuditStore,
    parse_query,
)
from asgi_audit.export import BODIES_NOTE, CSV_COLUMNS, ExportFormat
from asgi_audit.testing import make_event

NOW = datetime.now(UTC).replace(microsecond=0)
PROOF = ("leaf", "inclusion_path")


def _log_with(*events: AuditEvent) -> AuditLog:
    store = MemoryAuditStore()
    store.write(list(events), [])
    return AuditLog(store, cursor_key=b"export")


def _query(tenant: uuid.UUID) -> AuditQuery:
    return parse_query(tenant, action_type="all", start=(NOW - timedelta(days=1)).isoformat())


def test_json_lines_are_whole_entries_with_their_bodies_newest_first_one_per_line() -> None:
    tenant = uuid.uuid4()
    response = Body("application/json", 13, is_json=True, json={"id": "g1", "z": [1.5, None]})
    events = [
        make_event(tenant, occurred_at=NOW - timedelta(minutes=n), response=response)
        for n in range(5)
    ]
    log = _log_with(*events)

    body = b"".join(log.export(_query(tenant), ExportFormat.JSONL))

    assert body.endswith(b"\n")
    *lines, _trailer = [orjson.loads(line) for line in body.splitlines()]
    assert [{k: v for k, v in line.items() if k not in PROOF} for line in lines] == [
        e.appended(n).to_dict() for n, e in enumerate(events)
    ]
    assert lines[0]["request"]["body"] == {}
    assert lines[0]["response"]["body"] == {"id": "g1", "z": [1.5, None]}


def test_json_lines_come_in_one_chunk_per_batch() -> None:
    tenant = uuid.uuid4()
    log = _log_with(*(make_event(tenant, occurred_at=NOW - timedelta(seconds=n)) for n in range(7)))

    chunks = list(log.export(_query(tenant), ExportFormat.JSONL, batch=3))

    assert [chunk.count(b"\n") for chunk in chunks] == [3, 3, 1, 1]  # the trailer last


def test_csv_has_a_header_and_a_row_per_entry_naming_the_actor_plainly() -> None:
    tenant = uuid.uuid4()
    user = make_event(tenant, occurred_at=NOW - timedelta(minutes=1))
    system = replace(
        make_event(tenant, occurred_at=NOW - timedelta(minutes=2)),
        actor=Actor(ActorType.SYSTEM, None, None, "Holiday task"),
    )
    log = _log_with(user, system)

    text = b"".join(log.export(_query(tenant), ExportFormat.CSV)).decode()

    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [*CSV_COLUMNS, BODIES_NOTE]
    assert "not in CSV" in BODIES_NOTE
    assert {r[BODIES_NOTE] for r in rows} == {""}
    assert [(r["id"], r["actor_type"], r["actor"]) for r in rows] == [
        (str(user.id), "user", "alice@contoso.example"),
        (str(system.id), "system", "Holiday task"),
    ]
    assert rows[0]["occurred_at"] == user.to_dict()["occurred_at"]
    assert rows[0]["resource_type"] == "group"


@pytest.mark.parametrize("danger", ['=HYPERLINK("x")', "+1", "-1+1", "@SUM(A1)"])
def test_csv_cells_that_a_spreadsheet_would_run_as_a_formula_are_quoted(danger: str) -> None:
    tenant = uuid.uuid4()
    log = _log_with(make_event(tenant, occurred_at=NOW, summary=danger))

    text = b"".join(log.export(_query(tenant), ExportFormat.CSV)).decode()

    (row,) = csv.DictReader(io.StringIO(text))
    assert row["summary"] == "'" + danger


def test_an_export_of_nothing_is_its_trailer_alone_or_a_csv_header() -> None:
    log = AuditLog(MemoryAuditStore(), cursor_key=b"export")
    query = _query(uuid.uuid4())

    trailer = b'{"checkpoint":null,"tree_size":0,"range":null}\n'
    assert b"".join(log.export(query, ExportFormat.JSONL)) == trailer
    csv_text = b"".join(log.export(query, ExportFormat.CSV)).decode()
    assert csv_text.splitlines() == [",".join([*CSV_COLUMNS, BODIES_NOTE])]
