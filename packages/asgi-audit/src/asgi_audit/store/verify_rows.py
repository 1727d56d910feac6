"""One tenant's entries read lean, as the JSON objects and the canonical bytes their leaves
encode: the one reader of the export, the log's verifier and the streams. No `AuditEvent` per
row, no result processors.

**Bodies spliced, checked by their leaf.** The store writes every document (request, response,
changes) as canonical JSON (keys sorted, compact: `canonical_document`), and an entry's
canonical bytes hold each document exactly as that text. So an entry's bytes are composed from
its row without parsing its documents: the flat fields dumped with the stored texts spliced in
as they are (`orjson.Fragment`). Those bytes are trusted only when their leaf hash equals the
leaf stored at the entry's place (one join); any other row (written before documents were
stored canonically, pending, or altered) is parsed and serialised again, exactly as before.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, Text, and_, cast, select, type_coerce
from sqlalchemy.types import NullType

from asgi_audit.events import ENTRY
from asgi_audit.record import DictDisplay, Kind
from asgi_audit.store.listing import KNOWN, Listing
from asgi_audit.store.tables import entries, leaves
from asgi_audit.tlog.merkle import leaf_hash
from asgi_audit.types import JSON, JSONObject

Committed = tuple[Any, bytes, bytes]
"""An entry as its leaf commits to it: its seq, its canonical bytes and their leaf hash."""

_SORTED = orjson.OPT_SORT_KEYS


def canonical_document(value: JSON) -> bytes:
    """A document (a body, the changes) as the store writes it: the bytes `canonical_bytes`
    writes for it inside its entry, so they can be spliced back unparsed."""
    return orjson.dumps(value, option=_SORTED)


class EntryRows:
    """Reads one tenant's entries as the JSON objects their leaves encode, lean: the database
    formats ids and instants (as `Listing` does), documents come as their JSON text, and no
    column has a result processor, so each row is the driver's tuple."""

    def __init__(self, dialect: str) -> None:
        listing = Listing(dialect)
        self.columns: list[ColumnElement[Any]] = []
        for f in ENTRY.fields:
            if f.column in KNOWN:
                continue
            if f.path == "seq":
                self.seq_at = len(self.columns)
            if f.kind is Kind.DOCUMENT:
                self.columns.append(type_coerce(cast(entries.c[f.column], Text), NullType()))
            else:
                self.columns.append(type_coerce(listing.formatted(f), NullType()))
        self.key_at = len(self.columns)
        """The entry's id as the driver returns it, to compare with its leaf's."""
        self.columns.append(type_coerce(entries.c.id, NullType()))
        self.leaf_at = len(self.columns)
        """The leaf hash stored at the entry's place (`committed`'s last column)."""

    def committed(self) -> Select[Any]:
        """The entries' columns and the hash of the leaf at each one's place (null if none),
        to narrow and order like a select of `entries`."""
        place = and_(leaves.c.tenant_id == entries.c.tenant_id, leaves.c.seq == entries.c.seq)
        return select(*self.columns, type_coerce(leaves.c.hash, NullType())).select_from(
            entries.outerjoin(leaves, place)
        )

    def splicer(self, tenant_id: uuid.UUID) -> Callable[[Sequence[Any]], JSONObject]:
        """The entry's JSON object from one row, documents as their stored text unparsed
        (`orjson.Fragment`): dumped with sorted keys, the canonical bytes if the row is
        canonical, which only its leaf hash can tell."""
        return self._builder(tenant_id, orjson.Fragment)

    def builder(self, tenant_id: uuid.UUID) -> Callable[[Sequence[Any]], JSONObject]:
        """The entry's JSON object from one row: each group of fields in one C call (documents
        parsed from their stored text)."""
        return self._builder(tenant_id, orjson.loads)

    def leaf_hasher(self, tenant_id: uuid.UUID) -> Callable[[Sequence[Any], bytes | None], bytes]:
        """The leaf hash of an entry from one row of `entries`, given the leaf expected at its
        place (None: none stored): spliced when that gives the expected leaf, else parsed and
        written again."""
        spliced, parsed, dumps = self.splicer(tenant_id), self.builder(tenant_id), orjson.dumps

        def hashed(row: Sequence[Any], expected: bytes | None) -> bytes:
            digest = leaf_hash(dumps(spliced(row), option=_SORTED))
            if digest != expected:
                digest = leaf_hash(dumps(parsed(row), option=_SORTED))
            return digest

        return hashed

    def leaf_bytes(self, tenant_id: uuid.UUID) -> Callable[[Sequence[Any]], Committed]:
        """The entry's seq, canonical bytes and leaf hash from one row of `committed`: spliced
        when that gives the leaf stored at its place, else parsed and written again."""
        spliced = self._builder(tenant_id, orjson.Fragment)
        parsed = self.builder(tenant_id)
        dumps, sha256 = orjson.dumps, hashlib.sha256
        seq_at, leaf_at = self.seq_at, self.leaf_at

        def leaf(row: Sequence[Any]) -> Committed:
            data = dumps(spliced(row), option=_SORTED)
            digest = sha256(b"\x00" + data).digest()
            if digest != row[leaf_at]:
                data = dumps(parsed(row), option=_SORTED)
                digest = sha256(b"\x00" + data).digest()
            return row[seq_at], data, digest

        return leaf

    def _builder(
        self, tenant_id: uuid.UUID, document: Callable[[Any], Any]
    ) -> Callable[[Sequence[Any]], JSONObject]:
        """`build(row)` compiled once into one dict display (as `Record.to_json` is): the
        fields in the record's order, documents through `document` (null text as None),
        fields left out while null added only when set."""
        display = DictDisplay()
        at = 0
        for f in ENTRY.fields:
            if f.column in KNOWN:
                value = "tenant"
            else:
                value = f"r[{at}]"
                if f.kind is Kind.DOCUMENT:
                    value = f'(None if {value} is None or {value} == "null" else doc({value}))'
                at += 1
            display.place(f, value)
        source = "def build(r):\n" + display.body()
        namespace: dict[str, Any] = {"tenant": str(tenant_id), "doc": document}
        exec(source, namespace)  # noqa: S102 - our own field paths, as dataclasses does
        return namespace["build"]  # type: ignore[no-any-return]
