"""Entries as the list shows them (`AuditEvent.to_dict()` without bodies), straight from rows.

An export reads every entry of a range, so it skips building `AuditEvent`s: the database
formats ids and instants as the API writes them (`formatted`), and returns plain columns that
become each entry's JSON object in one step (`columns`, `item`); the log's verifier reads entries
the same way. Tests hold the items equal to `AuditEvent.to_dict()` on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    func,
    literal_column,
    type_coerce,
)

from asgi_audit.events import ENTRY
from asgi_audit.record import Field, Kind, Record, put
from asgi_audit.store.tables import entries
from asgi_audit.types import JSON, JSONObject

_SQLITE_UUID = (
    "substr({0}, 1, 8) || '-' || substr({0}, 9, 4) || '-' || substr({0}, 13, 4) || '-' || "
    "substr({0}, 17, 4) || '-' || substr({0}, 21)"
)
"""SQLite keeps a UUID as 32 lowercase hex digits; the API writes it with hyphens."""

KNOWN = ("tenant_id",)
"""Columns an export does not read: it is of one tenant, whose id the caller knows."""


class Listing:
    """How one record's list items are read from one table on one database ('sqlite' or
    'postgresql'): ids and instants formatted by the database as the API writes them, bodies
    left out (null), and the known columns given rather than read."""

    def __init__(self, dialect: str, record: Record[Any] = ENTRY, table: Table = entries) -> None:
        self.dialect = dialect
        self.record = record
        self.table = table
        self.read = [f for f in record.listed if f.column not in KNOWN]

    def columns(self) -> list[ColumnElement[Any]]:
        """The columns `item` reads, in its order."""
        return [self.formatted(f) for f in self.read]

    def item(self, row: Sequence[Any], tenant_id: str) -> JSONObject:
        """One row of `columns`, of the tenant `tenant_id`, as its entry's JSON object without
        bodies."""
        values = iter(row)
        out: JSONObject = {}
        for f in self.record.fields:
            value: JSON = None
            if f.column in KNOWN:
                value = tenant_id
            elif f.listed:
                value = next(values)
            if value is None and f.omit_null:
                continue
            put(out, f.path, value)
        return out

    def formatted(self, f: Field) -> ColumnElement[Any]:
        column = self.table.c[f.column]
        if f.kind is Kind.UUID:
            if self.dialect == "postgresql":
                return type_coerce(func.cast(column, String), String)
            return type_coerce(literal_column(_SQLITE_UUID.format(f.column), String), String)
        if f.kind is Kind.INSTANT:
            if self.dialect == "postgresql":
                utc = func.timezone("UTC", column)
                return type_coerce(func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), String)
            # SQLite keeps instants as naive UTC text, always with six fractional digits.
            text = func.replace(literal_column(f.column, String), " ", "T") + "Z"
            return type_coerce(text, String)
        return column
