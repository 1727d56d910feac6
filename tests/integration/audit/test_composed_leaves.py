"""The database composes each entry's canonical bytes for the online verifier
(`store/leaf_text.py`); where its quoting or number formatting is not orjson's, the entry is
composed in Python instead, so a verify never raises a false alarm and still names tampering."""

from __future__ import annotations

import dataclasses

import orjson
import pytest
from sqlalchemy import select, update

from asgi_audit import AuditEvent, Body, SqlAuditStore, canonical_bytes
from asgi_audit.changes import changes_between
from asgi_audit.events import Actor, ActorType, Resource
from asgi_audit.store.leaf_text import composed
from asgi_audit.store.tables import c, entries
from asgi_audit.tlog.findings import Problem
from tests.integration.audit.signed_log import SignedLog, without_guards

BODY = Body("application/json", 80, is_json=True, json={"b": [1, 2.5, "ü"], "a": None})


def _varied(log: SignedLog) -> list[AuditEvent]:
    """Entries whose fields take every form the leaf bytes have: null and set optional fields,
    a left-out resource name and changes, non-ASCII text, whole and fractional durations."""
    system = Actor(ActorType.SYSTEM, None, None, None)
    return [
        log.event(0),
        log.event(1, actor=system, request=BODY, response=BODY, status=None),
        log.event(2, summary="Renamed group 'Sales' to «Ventes» ✓"),
        log.event(3, resource=Resource("group", "g-1", "Sales"), response=BODY),
        log.event(4, changes=changes_between({"name": "a"}, {"name": "b"})),
        dataclasses.replace(log.event(5), duration_ms=12.0, user_agent=None, client_ip=None),
        dataclasses.replace(log.event(6), duration_ms=0.125, route=None),
    ]


def test_the_database_composes_each_entry_s_canonical_bytes(store: SqlAuditStore) -> None:
    log = SignedLog(store)
    store.write(_varied(log), [])
    dialect = store.engine.dialect.name
    query = select(c.id, composed(dialect, str(log.tenant))).where(c.tenant_id == log.tenant)
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(c.seq)).all()

    assert len(rows) == 7
    for entry_id, data in rows:
        stored = store.get(log.tenant, entry_id)
        assert stored is not None
        as_bytes = data if isinstance(data, bytes) else data.encode()
        assert as_bytes == canonical_bytes(stored)


@pytest.mark.parametrize(
    "change",
    [
        {"summary": 'Renamed group "Sales \\ Support"'},
        {"summary": "Tabbed\tsummary\x01"},
        {"user_agent": 'Agent "quoted" \\ \x7f\x1f'},
        {"duration_ms": 0.1 + 0.2},
        {"duration_ms": 1e16},
    ],
    ids=[
        "quotes and a backslash in required text",
        "control characters",
        "quotes, a backslash and control characters in optional text",
        "a float of 17 digits",
        "a float written with an exponent",
    ],
)
def test_an_entry_the_database_writes_unlike_orjson_verifies_without_a_false_alarm(
    store: SqlAuditStore, change: dict[str, object]
) -> None:
    log = SignedLog(store)
    events = [log.event(i) for i in range(40)]
    events[21] = dataclasses.replace(events[21], **change)  # type: ignore[arg-type]
    store.write(events, [])
    log.notary.run_once()

    report = log.verify()

    assert report.ok, report.findings
    assert report.size == 40


def _summary_altered_is_named(
    store: SqlAuditStore, log: SignedLog, place: int, summary: str
) -> None:
    """The entry at `place` given `summary` behind the log's back; verify names it, and only it."""
    with store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, place)
        conn.execute(update(entries).where(c.id == target.id).values(summary=summary))

    report = log.verify()

    assert [(f.problem, f.seq, f.entry_id) for f in report.findings] == [
        (Problem.ALTERED, place, target.id)
    ]


@pytest.mark.parametrize("summary", ["Nothing happened", 'Nothing "happened"\n'])
def test_an_entry_altered_among_composed_windows_is_named_with_its_place(
    store: SqlAuditStore, summary: str
) -> None:
    log = SignedLog(store)
    log.grow([40])
    _summary_altered_is_named(store, log, 37, summary)


def test_text_altered_to_its_own_escaped_form_is_named_altered(store: SqlAuditStore) -> None:
    """The database quotes every string as JSON does, so a value rewritten as the escaped text of
    the original (a backslash before each quote) cannot compose the original's leaf bytes."""
    log = SignedLog(store)
    original = 'Renamed group "Sales \\ Support"'
    events = [log.event(i) for i in range(40)]
    events[21] = dataclasses.replace(events[21], summary=original)
    store.write(events, [])
    log.notary.run_once()
    _summary_altered_is_named(store, log, 21, orjson.dumps(original).decode()[1:-1])
