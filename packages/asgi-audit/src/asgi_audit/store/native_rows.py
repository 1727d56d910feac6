"""Entries read for a native log stream as their JSON text, written by the database: the bytes
`orjson.dumps` gives of the entry `StreamRows` builds (the API's JSON, keys in its order, each
body as its stored text), with no Python object built per field.

The layout derives from `ENTRY` as `Record.to_json` lays it out: keys in its order, a field left
out while null added after its group's other keys, only when set. Strings, ids and instants are
quoted by the database (SQLite's `json_object`/`json_quote`, PostgreSQL's `to_json`: both escape
exactly as orjson does, which the tests check for every code point that can be stored); a
document is its stored text spliced in as it is. A float is the one value the databases write
otherwise (`12` or `1.0e+15` for orjson's `12.0` and `1000000000000000.0`), so the text is cut
where each float goes and orjson writes the float.

On PostgreSQL the server writes the whole text (its CPU, not ours): one `concat` of quoted
values. On SQLite, in process, quoting value by value (`json_quote`) cost more than Python's
dict; one `json_object` quotes the entry's first run of plain fields (most of it) in a single
call, the few keys after its first float go by `json_quote` into the text that follows, and
Python only joins that object, the floats and the texts.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, bindparam, case, func, literal_column, type_coerce
from sqlalchemy.types import NullType

from asgi_audit.events import ENTRY
from asgi_audit.record import Field, Kind
from asgi_audit.store.listing import KNOWN, Listing
from asgi_audit.store.tables import entries


@dataclass(frozen=True, slots=True)
class Group:
    """A nested object (`actor`): its fields always written, then those left out while null."""

    name: str
    fields: list[Field]
    optional: list[Field]


Item = Field | Group
"""A top-level key's value: one field, or a group of fields."""


def _items() -> list[Item]:
    """The entry's top-level keys in `Record.to_json`'s order (left-out-while-null fields of the
    top level last)."""
    top: dict[str, Item] = {}
    optional: list[Field] = []
    for f in ENTRY.fields:
        head, _, tail = f.path.partition(".")
        if not tail:
            if f.omit_null:
                optional.append(f)
            else:
                top[head] = f
            continue
        # Floats and documents are written top-level only (orjson, the stored text).
        assert f.kind not in (Kind.FLOAT, Kind.DOCUMENT), f"{f.path}: nested, not written here"
        group = top.setdefault(head, Group(head, [], []))
        assert isinstance(group, Group)
        (group.optional if f.omit_null else group.fields).append(f)
    for item in top.values():
        assert not isinstance(item, Group) or item.fields, f"{item.name}: a field always written"
    return [*top.values(), *optional]


HEAD_FIELDS = ("id", "seq", "tenant_id", "occurred_at", "status", "outcome")
"""What a destination frames an entry by (HEC's `time` and fields, syslog's timestamp, severity
and structured data): all in the entry's head."""


def _head_end() -> str:
    """`,"<key>":` of the entry's first value that is not plain (its first float or body):
    everything before it in the entry's JSON is the head, a JSON object once `}` closes it."""
    items = _items()
    head = list(itertools.takewhile(_plain, items))
    names = {item.name if isinstance(item, Group) else item.path for item in head}
    assert set(HEAD_FIELDS) <= names, f"{set(HEAD_FIELDS) - names}: not in the entry's head"
    return "," + _key(items[len(head)]) + ":"


def _key(f: Field | Group) -> str:
    name = f.name if isinstance(f, Group) else f.path.rpartition(".")[2]
    return orjson.dumps(name).decode()


def _plain(item: Item) -> bool:
    """Whether `json_object` may write it: a group, or a field that is not a float (written by
    orjson), not a document (spliced as stored), not left out while null."""
    if isinstance(item, Group):
        return True
    return item.kind not in (Kind.FLOAT, Kind.DOCUMENT) and not item.omit_null


HEAD_END = _head_end()
"""Where an entry's JSON text (the API's, as a native stream carries it) leaves its head: the
first occurrence is the top-level key (in a string a `"` is escaped; the groups before it have
fixed keys)."""


def head_of(text: str) -> dict[str, Any]:
    """The head of an entry's JSON text: its leading plain fields (`HEAD_FIELDS` among them),
    read alone, without the bodies after them (most of the text)."""
    cut = text.find(HEAD_END)
    head: dict[str, Any] = orjson.loads(text[:cut] + "}" if cut > 0 else text)
    return head


Reader = Callable[[Sequence[Any]], tuple[int, str]]


class NativeRows:
    """The columns that read an entry's native JSON on one database ('sqlite' or
    'postgresql'), the entry's `seq` first, and `reader()` to make the text of a row."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        self.listing = Listing(dialect)
        self.columns: list[ColumnElement[Any]] = [type_coerce(entries.c.seq, NullType())]
        self._steps: list[tuple[str, str]] = []
        """How each column after `seq` joins the text: `members` (the first column only: a JSON
        object whose `{` opens the entry, its `}` cut), `float` (after its key, written by
        orjson) or `text` (as it is)."""
        if self.postgres:
            self._concatenated()
        else:
            self._objects()

    # -- PostgreSQL: one text, cut at the floats ----------------------------------------------

    def _concatenated(self) -> None:
        parts: list[str | ColumnElement[Any]] = []
        for n, item in enumerate(_items()):
            if isinstance(item, Field) and item.omit_null:
                parts.append(self._optional(item))
                continue
            parts.append(("," if n else "{") + _key(item) + ":")
            if isinstance(item, Group):
                for m, f in enumerate(item.fields):
                    parts.extend((("," if m else "{") + _key(f) + ":", *self._unquoted(f)))
                parts.extend(self._optional(f) for f in item.optional)
                parts.append("}")
            elif item.kind is Kind.FLOAT:
                self._text(parts)
                self._float(item, key=False)
                parts = []
            else:
                parts.extend(self._unquoted(item))
        self._text([*parts, "}"])

    def _unquoted(self, f: Field) -> list[str | ColumnElement[Any]]:
        """The field's JSON text, without `to_json` (~1 µs a value on the server) where
        nothing can need escaping: an id or instant the database formats (hex digits,
        hyphens, digits, `T`, `:`, `.`, `Z`) that is never null, and integers."""
        if f.required and f.kind in (Kind.UUID, Kind.INSTANT):
            return ['"', self._value(f), '"']
        if f.kind in (Kind.SMALLINT, Kind.BIGINT):
            return [func.coalesce(func.cast(entries.c[f.column], Text), _literal("null"))]
        return [self._json(f)]

    # -- SQLite: the first run of plain fields in one json_object, the rest in text ----------

    def _objects(self) -> None:
        """The entry's first keys up to its first float or document in one `json_object`
        (most of the entry, quoted in one call); every later key in the text after it, a plain
        value quoted by `json_quote`, a group by its own `json_object` (a second `json_object`
        for the few plain fields after the float cost a column and a cut of its braces)."""
        items = _items()
        assert _plain(items[0]), "the entry's first key is a plain field"
        first = list(itertools.takewhile(_plain, items))
        self._object(first)
        parts: list[str | ColumnElement[Any]] = []
        for item in items[len(first) :]:
            if isinstance(item, Group):
                parts.extend(("," + _key(item) + ":", self._group(item)))
            elif item.kind is Kind.FLOAT:
                if parts:
                    self._text(parts)
                    parts = []
                self._float(item, key=True)
            elif item.omit_null:
                parts.append(self._optional(item))
            else:
                parts.extend(("," + _key(item) + ":", self._json(item)))
        self._text([*parts, "}"])

    def _object(self, run: list[Item]) -> None:
        pairs: list[ColumnElement[Any]] = []
        for item in run:
            pairs.append(_literal(item.name if isinstance(item, Group) else item.path))
            pairs.append(self._group(item) if isinstance(item, Group) else self._value(item))
        self.columns.append(type_coerce(func.json_object(*pairs), NullType()))
        self._steps.append(("members", ""))

    def _group(
        self, group: Group, chosen: tuple[Field, ...] = (), at: int = 0
    ) -> ColumnElement[Any]:
        """A nested object whose fields left out while null are written only when set: one
        `json_object` per case, chosen by `CASE` (rather than `json_set`, which parses)."""
        if at == len(group.optional):
            pairs: list[ColumnElement[Any]] = []
            for f in (*group.fields, *chosen):
                pairs.extend((_literal(f.path.rpartition(".")[2]), self._value(f)))
            return func.json_object(*pairs)
        f = group.optional[at]
        return case(
            (self._value(f).is_(None), self._group(group, chosen, at + 1)),
            else_=self._group(group, (*chosen, f), at + 1),
        )

    def _value(self, f: Field) -> ColumnElement[Any]:
        """The field's value for `json_object` to write (SQL NULL as `null`)."""
        if f.column in KNOWN:  # the tenant read: given, not formatted row by row
            return func.cast(bindparam(f"native_{f.column}", type_=Text), Text)
        if f.kind in (Kind.UUID, Kind.INSTANT):
            return self.listing.formatted(f)
        return entries.c[f.column]

    # -- both ---------------------------------------------------------------------------------

    def _float(self, f: Field, *, key: bool) -> None:
        self.columns.append(type_coerce(entries.c[f.column], NullType()))
        self._steps.append(("float", ("," + _key(f) + ":") if key else ""))

    def _text(self, parts: list[str | ColumnElement[Any]]) -> None:
        """The parts as one text column, in one call: SQLite's `printf` (the constant text in
        its format), PostgreSQL's `concat` (a chain of `||` copies the text once per part).
        Both write a null part as nothing."""
        joined: ColumnElement[Any]
        if self.postgres:
            texts = [_literal(p) if isinstance(p, str) else p for p in parts]
            joined = func.concat(*texts)
        else:
            form = "".join(p.replace("%", "%%") if isinstance(p, str) else "%s" for p in parts)
            joined = func.printf(_literal(form), *(p for p in parts if not isinstance(p, str)))
        self.columns.append(type_coerce(joined, NullType()))
        self._steps.append(("text", ""))

    def _json(self, f: Field) -> ColumnElement[Any]:
        """The field's value as JSON text (`null` when null)."""
        column = entries.c[f.column]
        if f.kind is Kind.DOCUMENT:
            text = func.cast(column, Text) if self.postgres else type_coerce(column, Text)
            # A body written absent is stored as SQL NULL or as the JSON text `null`.
            return func.coalesce(type_coerce(text, Text), _literal("null"))
        value = self._value(f)
        if self.postgres:
            return func.coalesce(func.cast(func.to_json(value), Text), _literal("null"))
        return type_coerce(func.json_quote(value), Text)

    def _optional(self, f: Field) -> ColumnElement[Any]:
        """`,"key":value` when the field is set, else null (`Field.omit_null`)."""
        prefix = _literal("," + _key(f) + ":")
        return prefix.op("||")(func.nullif(self._json(f), _literal("null")))

    def parameters(self, tenant_id: uuid.UUID) -> dict[str, str]:
        """The values the columns take as given: the tenant's id, as the API writes it."""
        return {f"native_{column}": str(tenant_id) for column in KNOWN}

    def reader(self) -> Reader:
        """`read(row)`: the entry's `seq` and its JSON text."""
        dumps = orjson.dumps
        steps = [(at, step, key) for at, (step, key) in enumerate(self._steps, start=1)]

        def read(row: Sequence[Any]) -> tuple[int, str]:
            parts = []
            for at, step, key in steps:
                value = row[at]
                if step == "text":
                    parts.append(value)
                elif step == "float":
                    parts.append(key + dumps(value).decode())
                else:
                    parts.append(value[:-1])  # the first object: its `{` opens the entry
            return row[0], "".join(parts)

        return read


def _literal(text: str) -> ColumnElement[Any]:
    """Constant text as an SQL string literal (our own keys and punctuation)."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)
