"""One tenant's entries read as the JSON objects their leaves encode, lean enough to verify a
log at the speed of reading it: no `AuditEvent` per row, no result processors."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, cast, type_coerce
from sqlalchemy.types import NullType

from asgi_audit.events import ENTRY
from asgi_audit.record import Kind
from asgi_audit.store.listing import KNOWN, Listing
from asgi_audit.store.tables import entries
from asgi_audit.types import JSONObject


class EntryRows:
    """Reads one tenant's entries as the JSON objects their leaves encode, lean: the database
    formats ids and instants (as `Listing` does), bodies come as their JSON text, and no
    column has a result processor, so each row is the driver's tuple."""

    def __init__(self, dialect: str) -> None:
        listing = Listing(dialect)
        self.columns: list[ColumnElement[Any]] = []
        self.documents: list[tuple[str, int]] = []
        flat: dict[str, list[tuple[str, int]]] = {}
        for f in ENTRY.fields:
            if f.column in KNOWN:
                continue
            at = len(self.columns)
            if f.kind is Kind.DOCUMENT:
                self.documents.append((f.path, at))
                self.columns.append(type_coerce(cast(entries.c[f.column], Text), NullType()))
                continue
            head, _, tail = f.path.partition(".")
            flat.setdefault(head if tail else "", []).append((tail or head, at))
            self.columns.append(type_coerce(listing.formatted(f), NullType()))
        self.groups = [
            (head, tuple(k for k, _ in pairs), itemgetter(*(at for _, at in pairs)))
            for head, pairs in flat.items()
        ]
        self.optional = [tuple(f.path.split(".")) for f in ENTRY.omitted]
        """Paths the JSON form leaves out while null (see `Field.omit_null`)."""
        self.seq_at = next(at for k, at in flat[""] if k == "seq")
        self.key_at = len(self.columns)
        """The entry's id as the driver returns it, to compare with its leaf's."""
        self.columns.append(type_coerce(entries.c.id, NullType()))

    def builder(self, tenant_id: uuid.UUID) -> Callable[[Sequence[Any]], JSONObject]:
        """The entry's JSON object from one row: each group of fields in one C call (bodies
        as stored, written by `Body.to_dict`)."""
        tenant = str(tenant_id)
        groups, documents, loads = self.groups, self.documents, orjson.loads
        optional = self.optional

        def build(row: Sequence[Any]) -> JSONObject:
            out: JSONObject = {"tenant_id": tenant}
            for head, keys, get in groups:
                values = dict(zip(keys, get(row), strict=True))
                if head:
                    out[head] = values
                else:
                    out.update(values)
            for name, at in documents:
                value = row[at]
                out[name] = None if value is None else loads(value)
            for path in optional:
                inner = out[path[0]] if len(path) > 1 else out
                if isinstance(inner, dict) and inner.get(path[-1], 0) is None:
                    del inner[path[-1]]
            return out

        return build
