"""Exporting from the store, on both databases (and the in-memory store): one read of every
matching entry, newest first, each exactly as the search lists it."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from asgi_audit import Action, ActorType, AuditEvent, Body, MemoryAuditStore, SqlAuditStore
from asgi_audit.events import Actor, Resource
from asgi_audit.store.port import AuditStore, Criteria
from asgi_audit.testing import make_event

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
RANGE = {"start": BASE - timedelta(hours=1), "end": BASE + timedelta(hours=1)}


@pytest.fixture(params=["sql", "memory"])
def any_store(request: pytest.FixtureRequest, store: SqlAuditStore) -> AuditStore:
    return store if request.param == "sql" else MemoryAuditStore()


def _varied(tenant: uuid.UUID) -> list[AuditEvent]:
    """Entries whose fields exercise every conversion: microseconds, nulls, unicode, floats."""
    events = []
    for n in range(25):
        event = make_event(
            tenant,
            occurred_at=BASE + timedelta(seconds=n // 3, microseconds=n * 7919 % 1_000_000),
            action=[Action.READ, Action.CREATE, Action.EDIT, Action.DELETE][n % 4],
        )
        events.append(
            replace(
                event,
                actor=Actor(ActorType.USER, str(uuid.uuid4()), f"Ana.{n}@Example.COM", "Ana Ñ")
                if n % 5
                else Actor(ActorType.SYSTEM, None, None, "Holiday task"),
                resource=Resource("group", str(uuid.uuid4())) if n % 2 else Resource(),
                summary=f"Edited group 'Grüße {n}' = \"quoted\"",
                status=[200, 201, 404, 500, None][n % 5],
                duration_ms=None if n % 6 == 0 else n * 1.25 + 0.001,
                client_ip=None if n % 3 else "203.0.113.9",
                user_agent="Mozilla/5.0 (X11) ✓" if n % 2 else None,
            )
        )
    return events


def _exported(store: AuditStore, criteria: Criteria, batch: int = 1000) -> list[dict[str, object]]:
    return [entry for chunk in store.export(criteria, batch) for entry in chunk]


def _listed(store: AuditStore, criteria: Criteria) -> list[dict[str, object]]:
    return [event.to_dict() for event in store.search(criteria, None, 10_000)]


def test_an_export_is_every_matching_entry_newest_first_exactly_as_the_search_lists_it(
    any_store: AuditStore,
) -> None:
    tenant, neighbour = uuid.uuid4(), uuid.uuid4()
    any_store.write(_varied(tenant) + _varied(neighbour), [])
    criteria = Criteria(tenant_id=tenant, **RANGE)

    exported = _exported(any_store, criteria)

    assert len(exported) == 25
    assert exported == _listed(any_store, criteria)
    assert all(entry["tenant_id"] == str(tenant) for entry in exported)


@pytest.mark.parametrize(
    "filters",
    [
        {"actions": frozenset({Action.CREATE, Action.EDIT, Action.DELETE})},
        {"actions": frozenset({Action.READ})},
        {"actor_type": ActorType.SYSTEM},
        {"actor_email": "ana.6@example.com"},
        {"resource_type": "group"},
        {"status_min": 400, "status_max": 499},
        {"status_min": 500, "status_max": 599},
        {"text": "grüße 1"},
        {"text": "g"},
    ],
    ids=["modifications", "reads", "system", "actor", "resource", "4xx", "5xx", "text", "letter"],
)
def test_an_export_applies_the_same_filters_as_the_search(
    any_store: AuditStore, filters: dict[str, object]
) -> None:
    tenant = uuid.uuid4()
    any_store.write(_varied(tenant), [])
    criteria = Criteria(tenant_id=tenant, **RANGE, **filters)  # type: ignore[arg-type]

    exported = _exported(any_store, criteria)

    assert exported
    assert exported == _listed(any_store, criteria)


def test_an_export_comes_in_batches_of_at_most_the_size_asked(any_store: AuditStore) -> None:
    tenant = uuid.uuid4()
    any_store.write(_varied(tenant), [])

    criteria = Criteria(tenant_id=tenant, **RANGE)

    assert [len(chunk) for chunk in any_store.export(criteria, 10)] == [10, 10, 5]


def test_an_export_of_nothing_yields_nothing(any_store: AuditStore) -> None:
    criteria = Criteria(tenant_id=uuid.uuid4(), **RANGE)
    assert list(any_store.export(criteria, 10)) == []


def test_an_export_closed_early_releases_its_connection(store: SqlAuditStore) -> None:
    tenant = uuid.uuid4()
    store.write(_varied(tenant), [])
    criteria = Criteria(tenant_id=tenant, **RANGE)
    for _ in range(12):  # more than the pool holds: a leaked connection would block here
        batches = store.export(criteria, 5)
        assert len(next(batches)) == 5
        batches.close()
    assert store.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_entries_written_during_an_export_do_not_disturb_it(store: SqlAuditStore) -> None:
    tenant = uuid.uuid4()
    store.write(_varied(tenant), [])
    batches = store.export(Criteria(tenant_id=tenant, **RANGE), 5)
    seen = list(next(batches))
    store.write([make_event(tenant, occurred_at=BASE + timedelta(minutes=1))], [])
    seen += [entry for chunk in batches for entry in chunk]
    assert len({entry["id"] for entry in seen}) == len(seen) == 25


def test_an_exports_whole_entries_are_exactly_what_each_entry_writes_bodies_included(
    any_store: AuditStore,
) -> None:
    """JSON Lines carry the request and response as the entry does: the lean read of the SQL
    store writes each entry's JSON object exactly as `AuditEvent.to_dict()` (its leaf)."""
    tenant = uuid.uuid4()
    events = _varied(tenant)
    events[1] = replace(
        events[1],
        response=Body("application/json", 40, is_json=True, json={"b": [1e16, -0.0], "a": "ü"}),
    )
    any_store.write(events, [])
    criteria = Criteria(tenant_id=tenant, **RANGE)

    documents = [d for chunk in any_store.export_documents(criteria, 7) for d in chunk]

    stored = {e.id: any_store.get(tenant, e.id) for e in events}
    assert documents == [
        stored[uuid.UUID(str(d["id"]))].to_dict()  # type: ignore[union-attr]
        for d in documents
    ]
    assert any(
        d["response"] and d["response"]["body"] == {"b": [1e16, -0.0], "a": "ü"}  # type: ignore[index]
        for d in documents
    )
    assert all(d["request"] is not None for d in documents)
    oldest_first = replace(criteria, oldest_first=True)
    assert [d for chunk in any_store.export_documents(oldest_first, 7) for d in chunk] == list(
        reversed(documents)
    )
