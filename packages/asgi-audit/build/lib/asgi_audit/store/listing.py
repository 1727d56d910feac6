"""Entries as the list shows them (`AuditEvent.to_dict()` without bodies), straight from rows.

An export reads every entry of a range, so it skips building `AuditEvent`s: the database
formats ids and instants as the API writes them, and either returns plain columns that become
each entry's JSON object in one step (`listing_columns`, `listed`), or writes each entry's JSON
text itself (`json_line`), leaving Python only to join the lines. Tests hold both equal to
`AuditEvent.to_dict()` on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    Text,
    cast,
    func,
    literal,
    literal_column,
    null,
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
        return [self._formatted(f) for f in self.read]

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
            put(out, f.path, value)
        return out

    def json_line(self, tenant_id: str) -> ColumnElement[str]:
        """One column: each entry as the JSON text of `item`'s object, written by the database
        (SQLite's `json_object`, PostgreSQL's `json_build_object`). Its whitespace and number
        spelling are the database's; its values are the same."""
        postgres = self.dialect == "postgresql"
        build = func.json_build_object if postgres else func.json_object
        tree: dict[str, Any] = {}
        for f in self.record.fields:
            value: ColumnElement[Any]
            if f.column in KNOWN:
                value = cast(literal(tenant_id), Text)
            elif f.listed:
                value = self._formatted(f)
            else:
                value = null()
            head, _, tail = f.path.partition(".")
            if tail:
                tree.setdefault(head, {})[tail] = value
            else:
                tree[head] = value

        def obj(pairs: dict[str, Any]) -> ColumnElement[Any]:
            # Keys are the record's own paths, written into the SQL as literals.
            parts: list[ColumnElement[Any]] = []
            for key, value in pairs.items():
                parts += [
                    literal_column(f"'{key}'"),
                    obj(value) if isinstance(value, dict) else value,
                ]
            return build(*parts)

        line = obj(tree)
        return type_coerce(cast(line, Text) if postgres else line, String)

    def _formatted(self, f: Field) -> ColumnElement[Any]:
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
