"""The audit store's migrations build exactly its Core tables, on both databases."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from asgi_audit import SqlAuditStore
from asgi_audit.store.schema import VERSION_TABLE, is_audit_table
from asgi_audit.store.tables import SEARCH_INDEX, metadata


def _include_name(name: str | None, type_: str, _parent: object) -> bool:
    return type_ != "table" or (name is not None and is_audit_table(name))


def _include_object(_obj: object, name: str | None, type_: str, *_args: object) -> bool:
    return name != SEARCH_INDEX  # an expression index (PostgreSQL only); checked below


def test_the_migrated_audit_tables_match_the_core_tables(store: SqlAuditStore) -> None:
    with store.engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reflection warns that it skips expression indexes
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": _include_name,
                "include_object": _include_object,
            },
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_the_audit_schema_has_its_own_version_table(store: SqlAuditStore) -> None:
    with store.engine.connect() as conn:
        version = conn.scalar(text("SELECT version_num FROM audit_alembic_version"))
    assert VERSION_TABLE == "audit_alembic_version"
    assert version == "a007_search_by_batch"


def test_free_text_search_has_its_index(store: SqlAuditStore) -> None:
    with store.engine.connect() as conn:
        if store.is_postgres:
            definition = conn.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                {"name": SEARCH_INDEX},
            )
            assert "gin_trgm_ops" in definition
            partition_key = conn.scalar(text("SELECT pg_get_partkeydef('audit_entries'::regclass)"))
            assert partition_key == "RANGE (occurred_at)"
        else:
            names = set(inspect(conn).get_table_names())
            assert "audit_search" in names
            indexing = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE :into"),
                {"into": "%INSERT INTO audit_search %"},
            )
            # Inserted entries are indexed a batch at a time (`store/bulk.py`); a trigger
            # indexes only those that become final later.
            assert indexing.scalars().all() == ["audit_entries_search_final"]


def test_the_activity_rollup_is_read_from_its_key_alone(store: SqlAuditStore) -> None:
    """A month of the chart is thousands of rollup rows: on PostgreSQL the key carries the
    count (an index-only scan), on SQLite the table is its key."""
    with store.engine.connect() as conn:
        if store.is_postgres:
            definition = conn.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'pk_audit_activity'")
            )
            assert "INCLUDE (count)" in definition
        else:
            table = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'audit_activity'"))
            assert "WITHOUT ROWID" in table


def test_sqlite_maps_each_searched_entry_to_its_row_of_the_index(store: SqlAuditStore) -> None:
    """Retention removes an entry's searched text by key: FTS5 cannot index `entry_id`."""
    if store.is_postgres:
        pytest.skip("PostgreSQL's search index is on the entries themselves")
    with store.engine.connect() as conn:
        assert "audit_search_ids" in set(inspect(conn).get_table_names())
        trigger = conn.scalar(
            text("SELECT sql FROM sqlite_master WHERE name = 'audit_entries_search_final'")
        )
        assert "INSERT INTO audit_search_ids" in trigger
