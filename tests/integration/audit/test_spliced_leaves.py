"""Documents are stored as canonical JSON, so an entry's leaf bytes are written from its row
without parsing them; rows stored before that (keys in any order) still export and verify."""

from __future__ import annotations

import uuid
from datetime import timedelta

import orjson
from sqlalchemy import JSON, Connection, Text, bindparam, cast, select, update

from asgi_audit import Body, SqlAuditStore, canonical_bytes
from asgi_audit.store.port import Criteria
from asgi_audit.store.tables import c, entries
from tests.integration.audit.signed_log import SignedLog, without_guards

NESTED = {"zeta": {"y": [3, {"b": 2, "a": 1}], "x": "ü"}, "alpha": 1e16, "mid": -0.0}


def _raw(conn: Connection, column: str, entry_id: uuid.UUID) -> str:
    return conn.execute(select(cast(entries.c[column], Text)).where(c.id == entry_id)).scalar_one()


def _set_raw(conn: Connection, entry_id: uuid.UUID, text: str) -> None:
    """Store `text` as the request's JSON exactly as given, as an older release wrote it."""
    value = bindparam("raw", text, type_=Text)
    raw = value if conn.dialect.name == "sqlite" else cast(value, JSON)
    conn.execute(update(entries).where(c.id == entry_id).values(request=raw))


def test_documents_are_stored_as_canonical_json_with_keys_sorted(store: SqlAuditStore) -> None:
    log = SignedLog(store)
    body = Body("application/json", 80, is_json=True, json=NESTED)
    event = log.event(0, request=body, response=body)
    store.write([event], [])
    with store.engine.connect() as conn:
        for column in ("request", "response"):
            stored = _raw(conn, column, event.id)
            assert stored == orjson.dumps(body.to_dict(), option=orjson.OPT_SORT_KEYS).decode()
            assert stored.index('"alpha"') < stored.index('"mid"') < stored.index('"zeta"')


def test_an_entry_stored_with_unsorted_body_keys_exports_its_leaf_bytes_and_verifies(
    store: SqlAuditStore,
) -> None:
    """A row written before documents were stored canonically: its bytes are written again
    from the parsed body, so they still equal its leaf's (no false alarm, no broken line)."""
    log = SignedLog(store)
    log.grow([10])
    with store.engine.begin() as conn:
        without_guards(conn)
        target = log.entry_at(conn, 3)
        assert target.request is not None
        body = target.request.to_dict()
        unsorted = {k: body[k] for k in sorted(body, reverse=True)}
        _set_raw(conn, target.id, orjson.dumps(unsorted).decode())
        assert _raw(conn, "request", target.id) != _raw(conn, "response", target.id)
        assert not _is_sorted(_raw(conn, "request", target.id))
    criteria = Criteria(tenant_id=log.tenant, start=log.start, end=log.start + timedelta(hours=1))

    exported = dict(item for batch in store.export_leaves(criteria, 4) for item in batch)

    assert exported[3] == canonical_bytes(target)
    assert log.verify().ok


def test_the_spliced_bytes_of_every_entry_are_its_canonical_bytes(store: SqlAuditStore) -> None:
    log = SignedLog(store)
    body = Body("application/json", 80, is_json=True, json=NESTED)
    store.write([log.event(i, response=body) for i in range(5)], [])
    criteria = Criteria(tenant_id=log.tenant, start=log.start, end=log.start + timedelta(hours=1))

    exported = [item for batch in store.export_leaves(criteria, 2) for item in batch]

    stored = {e.seq: e for e in (store.get(log.tenant, _id(data)) for _, data in exported) if e}
    assert [(seq, data) for seq, data in exported] == [
        (seq, canonical_bytes(stored[seq])) for seq in (4, 3, 2, 1, 0)
    ]


def _id(data: bytes) -> uuid.UUID:
    return uuid.UUID(orjson.loads(data)["id"])


def _is_sorted(text: str) -> bool:
    return text == orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS).decode()
