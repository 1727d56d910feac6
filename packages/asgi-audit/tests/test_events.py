"""The audit record: classification of methods, ids that encode their instant, canonical bytes."""

from __future__ import annotations

import dataclasses
import os
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from asgi_audit.events import (
    Action,
    AuditEvent,
    Body,
    Outcome,
    canonical_bytes,
    new_entry_id,
    occurred_at_of,
)
from asgi_audit.testing import make_event


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("GET", Action.READ),
        ("HEAD", Action.READ),
        ("OPTIONS", Action.READ),
        ("POST", Action.CREATE),
        ("PUT", Action.EDIT),
        ("PATCH", Action.EDIT),
        ("DELETE", Action.DELETE),
        ("post", Action.CREATE),
    ],
)
def test_the_method_decides_the_action(method: str, action: Action) -> None:
    assert Action.of_method(method) is action


def test_only_reads_are_not_modifications() -> None:
    assert [a for a in Action if not a.is_modification] == [Action.READ]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "succeeded"), (399, "succeeded"), (400, "failed"), (503, "failed")],
)
def test_the_status_decides_the_outcome(status: int, outcome: str) -> None:
    assert Outcome.of_status(status) == outcome


def test_an_entry_id_is_a_uuid7_that_encodes_its_instant_to_the_microsecond() -> None:
    base = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for micros in range(0, 1_000_000, 997):
        instant = base + timedelta(microseconds=micros)
        entry_id = new_entry_id(instant)
        assert entry_id.version == 7
        assert entry_id.variant == uuid.RFC_4122
        assert occurred_at_of(entry_id) == instant


def test_entry_ids_of_one_instant_differ_in_their_random_bits() -> None:
    instant = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    ids = {new_entry_id(instant) for _ in range(1000)}
    assert len(ids) == 1000
    assert {occurred_at_of(i) for i in ids} == {instant}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_process_never_takes_the_same_random_bits_as_its_parent() -> None:
    instant = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    new_entry_id(instant)  # the parent now holds a batch of random bits
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write_end, new_entry_id(instant).bytes)
        os._exit(0)
    os.close(write_end)
    child_id = uuid.UUID(bytes=os.read(read_end, 16))
    os.close(read_end)
    os.waitpid(pid, 0)
    assert child_id != new_entry_id(instant)


def test_entry_ids_sort_by_their_instant() -> None:
    base = datetime(2026, 1, 2, tzinfo=UTC)
    ids = [new_entry_id(base + timedelta(microseconds=n)) for n in range(0, 5000, 7)]
    assert ids == sorted(ids)


def test_an_id_that_is_not_a_uuid7_has_no_instant() -> None:
    assert occurred_at_of(uuid.uuid4()) is None


def test_canonical_bytes_are_compact_json_with_keys_sorted_at_every_depth() -> None:
    event = make_event(
        request=Body("application/json", 9, is_json=True, json={"b": 1, "a": {"d": 2, "c": 3}})
    )
    raw = canonical_bytes(event)
    assert raw == orjson.dumps(orjson.loads(raw), option=orjson.OPT_SORT_KEYS)
    assert b'"a":{"c":3,"d":2},"b":1' in raw


def test_canonical_bytes_carry_every_field_of_the_record() -> None:
    decoded = orjson.loads(canonical_bytes(make_event()))
    assert set(decoded) == {
        "id", "seq", "tenant_id", "occurred_at", "duration_ms", "actor", "source", "action",
        "method", "path", "route", "resource", "status", "outcome", "summary", "request",
        "response", "client_ip", "user_agent",
    }  # fmt: skip
    assert set(decoded["actor"]) == {"type", "id", "email", "name"}
    assert decoded["occurred_at"].endswith("Z")
    assert len(decoded["occurred_at"]) == len("2026-01-02T03:04:05.000006Z")


def test_equal_entries_have_equal_canonical_bytes() -> None:
    event = make_event()
    copy = AuditEvent(**{f: getattr(event, f) for f in event.__dataclass_fields__})
    assert canonical_bytes(copy) == canonical_bytes(event)


def test_a_body_survives_its_dict_form() -> None:
    for body in (
        Body("application/json", 4, is_json=True, json=None),
        Body("text/plain", 3, sha256="ab" * 32),
        Body("application/json", 70_000, truncated=True, sha256="cd" * 32),
        Body("application/json", 10, is_json=True, json={"id": 1}, sensitive=True),
        Body(None, 0),
    ):
        assert Body.from_dict(body.to_dict()) == body


def test_completing_an_entry_sets_status_outcome_and_duration() -> None:
    pending = make_event(status=None)
    assert pending.outcome is Outcome.UNKNOWN
    done = pending.completed(409, 12.34567, pending.request, None)
    assert (done.status, done.outcome, done.duration_ms) == (409, Outcome.FAILED, 12.346)
    assert done.id == pending.id


def test_completing_an_entry_keeps_every_other_field() -> None:
    pending = dataclasses.replace(
        make_event(status=None), client_ip="192.0.2.1", user_agent="curl/8"
    )
    response = Body("application/json", 2, is_json=True, json={})
    done = pending.completed(201, 1.0, pending.request, response)
    changed = {"status", "outcome", "duration_ms", "request", "response"}
    for f in dataclasses.fields(AuditEvent):
        if f.name not in changed:
            assert getattr(done, f.name) == getattr(pending, f.name), f.name
    assert done.response == response
