"""What a native log stream reads: each entry's JSON as the database writes it from the stored
columns, byte for byte what a native stream sent when Python built it (`entries_after` with raw
documents, written by orjson: the API's JSON, a body's keys in its stored order), and as a JSON
value the API's entry; on SQLite, PostgreSQL and memory."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from asgi_audit import MODIFICATIONS, Action, AuditStore, Body, MemoryAuditStore, SqlAuditStore
from asgi_audit.events import Actor, ActorType, AuditEvent, Changes, Resource
from asgi_audit.testing import make_event

NOW = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=UTC)
TENANT = uuid.UUID("00000000-0000-4000-8000-000000000015")

HOSTILE = "".join(chr(n) for n in range(1, 0x250)) + "\u2028\u2029\ufeff😀\U0010ffff\ue000\uffff"
"""Every control character (NUL aside: PostgreSQL's text cannot hold it), quotes, backslashes,
Latin-1, C1 controls, line separators, a BOM, characters beyond the BMP."""


@pytest.fixture(params=["sql", "memory"])
def any_store(request: pytest.FixtureRequest, store: SqlAuditStore) -> AuditStore:
    """The SQL store on each database, and the memory store."""
    return store if request.param == "sql" else MemoryAuditStore()


def _assert_as_the_api_writes(store: AuditStore, expected: int) -> None:
    found = store.native_after(TENANT, -1, 100)
    built = store.entries_after(TENANT, -1, 100, raw_documents=True)
    assert len(found) == len(built) == expected
    for (seq, text), entry in zip(found, built, strict=True):
        assert seq == entry["seq"]
        assert text == orjson.dumps(entry).decode()
        stored = store.get(TENANT, uuid.UUID(str(entry["id"])))
        assert stored is not None
        api = stored.to_dict()
        assert list(orjson.loads(text)) == list(api)
        assert orjson.loads(text) == orjson.loads(orjson.dumps(api))


def _at(n: int) -> datetime:
    return NOW + timedelta(microseconds=n)


def test_native_entries_are_the_api_bytes_for_every_shape_of_body(any_store: AuditStore) -> None:
    """Bodies absent, JSON (numbers JSON may spell two ways, unicode keys), not JSON, sensitive;
    with and without a resource name and an edit's changes."""
    odd = Body("application/json", 40, is_json=True, json={"big": 1e16, "zero": -0.0, "é": [1]})
    text = Body("text/plain", 5, truncated=True, sha256="ab" * 32)
    secret = Body("application/json", 9, is_json=True, json={"id": "x"}, sensitive=True)
    null_body = Body("application/json", 4, is_json=True, json=None)
    changes = Changes("captured", ({"field": "name", "before": "A", "after": "B"},))
    events = [
        make_event(TENANT, occurred_at=_at(0), request=odd, response=text),
        make_event(TENANT, occurred_at=_at(1), action=Action.EDIT, changes=changes),
        make_event(TENANT, occurred_at=_at(2), resource=Resource("group", "g1", "Sales")),
        make_event(TENANT, occurred_at=_at(3), action=Action.READ, response=secret),
        make_event(TENANT, occurred_at=_at(4), request=null_body, response=null_body),
        make_event(TENANT, occurred_at=_at(5), changes=Changes("unknown")),
    ]
    any_store.write(events, [])
    _assert_as_the_api_writes(any_store, len(events))


def test_native_entries_escape_every_character_as_the_api_does(any_store: AuditStore) -> None:
    base = make_event(TENANT, occurred_at=_at(0))
    hostile = dataclasses.replace(
        base,
        summary=HOSTILE,
        actor=Actor(ActorType.register("partner"), HOSTILE, HOSTILE.lower(), HOSTILE),
        path="/api/" + HOSTILE,
        route=HOSTILE,
        source=HOSTILE,
        resource=Resource(HOSTILE[:60], HOSTILE, HOSTILE),
        client_ip=HOSTILE,
        user_agent=HOSTILE,
        request=Body("application/json", 1, is_json=True, json={HOSTILE: HOSTILE}),
        changes=Changes("captured", ({"field": HOSTILE, "before": HOSTILE, "after": None},)),
    )
    any_store.write([hostile], [])
    _assert_as_the_api_writes(any_store, 1)


@pytest.mark.parametrize(
    "duration",
    [0.0, -0.0, 1.5, 12.0, 12.4, 0.001, 0.1 + 0.2, 123456789.123, 1e15, 1e16, 1.5e-7, 2.0**70],
)
def test_native_entries_write_a_duration_as_the_api_does(
    any_store: AuditStore, duration: float
) -> None:
    """Whole numbers keep their `.0`, large and small ones orjson's exponent form: the
    databases write floats otherwise, so orjson writes them."""
    event = dataclasses.replace(make_event(TENANT, occurred_at=_at(0)), duration_ms=duration)
    any_store.write([event], [])
    _assert_as_the_api_writes(any_store, 1)


def test_native_entries_leave_out_what_the_api_leaves_out_and_write_nulls(
    any_store: AuditStore,
) -> None:
    """Every field that may be null, null (a resource name and changes are then absent)."""
    bare: AuditEvent = dataclasses.replace(
        make_event(TENANT, occurred_at=_at(0)),
        actor=Actor(ActorType.ANONYMOUS),
        route=None,
        resource=Resource(),
        duration_ms=None,
        request=None,
        response=None,
        client_ip=None,
        user_agent=None,
        changes=None,
    )
    any_store.write([bare], [])
    _assert_as_the_api_writes(any_store, 1)
    [(_seq, text)] = any_store.native_after(TENANT, -1, 1)
    entry = orjson.loads(text)
    assert "changes" not in entry
    assert entry["resource"] == {"type": None, "id": None}


def test_an_entry_sealed_without_its_outcome_is_written_as_the_api_does(
    any_store: AuditStore,
) -> None:
    """No status, no duration, outcome unknown: an entry whose process died."""
    pending = make_event(TENANT, occurred_at=_at(0), status=None)
    any_store.write([pending], [])
    assert any_store.seal(NOW + timedelta(hours=1), 10) == 1
    _assert_as_the_api_writes(any_store, 1)


def test_native_entries_are_read_as_entries_after_reads_them(any_store: AuditStore) -> None:
    """Same entries, same order, same `through` and filter as `entries_after`."""
    actions = [Action.READ if n % 3 == 0 else Action.CREATE for n in range(10)]
    any_store.write(
        [make_event(TENANT, occurred_at=_at(n), action=a) for n, a in enumerate(actions)], []
    )
    any_store.write([make_event(occurred_at=NOW)], [])  # another tenant's
    for kwargs in ({}, {"through": 6}, {"actions": MODIFICATIONS}):
        native = any_store.native_after(TENANT, 2, 4, **kwargs)  # type: ignore[arg-type]
        entries = any_store.entries_after(TENANT, 2, 4, **kwargs)  # type: ignore[arg-type]
        assert [seq for seq, _ in native] == [e["seq"] for e in entries]
        assert [orjson.loads(text) for _, text in native] == entries
