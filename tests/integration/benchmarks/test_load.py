"""The benchmarks' bulk loader leaves the store as the engine itself would: same rows, same
indexes on every partition, free text searchable."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from asgi_audit import AuditLog, MemoryAuditStore, SqlAuditStore, parse_query
from asgi_audit.store.tables import SQLITE_SEARCH_IDS, entries
from benchmarks.generate import Spec, generate
from benchmarks.load import LogBuilder, load_postgres, load_sqlite, months_between
from tests.databases import migrated_database

SPEC = Spec(600, datetime.now(UTC).replace(microsecond=0), tenants=5, days=40)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def loaded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlAuditStore]:
    """A migrated database holding `SPEC`'s entries, bulk-loaded."""
    with migrated_database(request.param, tmp_path) as url:
        if request.param == "sqlite":
            load_sqlite(url, generate(SPEC))
        else:
            start = SPEC.end - timedelta(days=SPEC.days)
            load_postgres(url, generate(SPEC), months_between(start, SPEC.end))
        store = SqlAuditStore.from_url(url)
        yield store
        store.close()


def test_every_loaded_entry_reads_back_unchanged_at_its_place_in_the_log(
    loaded: SqlAuditStore,
) -> None:
    for event in LogBuilder().place(list(generate(SPEC))):
        assert event.seq is not None
        assert loaded.get(event.tenant_id, event.id) == event


def test_the_loaded_logs_are_the_ones_the_store_itself_would_have_built(
    loaded: SqlAuditStore,
) -> None:
    memory = MemoryAuditStore()
    memory.write(list(generate(SPEC)), [])
    later = datetime.now(UTC) + timedelta(days=1)
    heads = sorted(loaded.heads_to_checkpoint(later), key=lambda h: h.tenant_id)
    assert heads == sorted(memory.heads_to_checkpoint(later), key=lambda h: h.tenant_id)
    biggest = max(heads, key=lambda h: h.size)
    for seq in (0, biggest.size // 2, biggest.size - 1):
        assert loaded.inclusion_proof(biggest.tenant_id, seq, biggest.size) == (
            memory.inclusion_proof(biggest.tenant_id, seq, biggest.size)
        )


def test_searches_find_what_the_in_memory_store_finds(loaded: SqlAuditStore) -> None:
    memory = MemoryAuditStore()
    memory.write(list(generate(SPEC)), [])
    tenant = next(iter(generate(SPEC))).tenant_id
    start = (SPEC.end - timedelta(days=SPEC.days + 1)).isoformat()
    for q, action_type in itertools.product(("helpdesk", "call-flows", None), ("all", None)):
        query = parse_query(tenant, action_type=action_type, start=start, q=q, limit=200)
        expected = AuditLog(memory, cursor_key=b"k").search(query).items
        found = AuditLog(loaded, cursor_key=b"k").search(query).items
        assert [e.id for e in found] == [e.id for e in expected], (q, action_type)


def test_every_index_is_rebuilt_and_the_search_index_filled(loaded: SqlAuditStore) -> None:
    with loaded.engine.connect() as conn:
        if not loaded.is_postgres:
            names = set(
                conn.execute(
                    text("SELECT name FROM sqlite_master WHERE tbl_name = 'audit_entries'")
                ).scalars()
            )
            declared = {str(index.name) for index in entries.indexes}
            assert declared | {"audit_entries_search_final"} <= names
            assert conn.execute(text("SELECT count(*) FROM audit_search")).scalar() == 600
            mapped = f"SELECT count(*) FROM {SQLITE_SEARCH_IDS}"  # noqa: S608 - our name
            assert conn.execute(text(mapped)).scalar() == 600
            return
        parent = conn.execute(
            text("SELECT count(*) FROM pg_indexes WHERE tablename = 'audit_entries'")
        ).scalar()
        per_partition = conn.execute(
            text(
                "SELECT c.relname, count(i.indexrelid) FROM pg_inherits h "
                "JOIN pg_class c ON c.oid = h.inhrelid "
                "LEFT JOIN pg_index i ON i.indrelid = h.inhrelid "
                "WHERE h.inhparent = 'audit_entries'::regclass GROUP BY c.relname"
            )
        ).all()
        assert per_partition
        assert all(count == parent for _, count in per_partition), per_partition
        invalid = conn.execute(text("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).scalar()
        assert invalid == 0
