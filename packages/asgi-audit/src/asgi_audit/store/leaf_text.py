"""An entry's canonical bytes composed by the database, in one column: what the online verifier
hashes, without one Python object per field.

The leaf bytes are compact JSON with keys sorted at every depth (`canonical_bytes`). Their
shape is fixed by the record (`ENTRY`), so the database can write them from a row with one
format string: the keys in sorted order, each flat value quoted as JSON by the database
(`json_quote` on SQLite; on PostgreSQL `\\` and `"` escaped by `replace`, see `_quoted`),
each stored document spliced in as its text
(documents are stored canonical: `canonical_document`), a field left out while null written
only when set. One `printf`/`format` call joins them, so the text is assembled once.

These bytes are a candidate only. The database's JSON quoting and number formatting are not
orjson's for every value (a float such as `0.1 + 0.2`, a control character on PostgreSQL, a
document stored before documents were canonical), so a caller trusts them only when their leaf
hash equals the leaf stored at the entry's place, and otherwise composes the entry in Python
(`verify_rows.EntryRows`), which is also what names an altered entry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Text,
    case,
    cast,
    func,
    literal,
    type_coerce,
)
from sqlalchemy.types import NullType

from asgi_audit.events import ENTRY
from asgi_audit.record import Field, Kind
from asgi_audit.store.listing import KNOWN, Listing
from asgi_audit.store.tables import entries

Tree = dict[str, Any]
"""Fields by their place in the JSON object: a key holds a `Field` or a nested `Tree`."""


def composed(dialect: str, tenant_id: str) -> ColumnElement[Any]:
    """The canonical bytes of each entry of the tenant `tenant_id` (its hyphenated id) as the
    database composes them: bytes on SQLite, text on PostgreSQL (see the module docstring)."""
    tree: Tree = {}
    for f in ENTRY.fields:
        head, _, tail = f.path.partition(".")
        if tail:
            tree.setdefault(head, {})[tail] = f
        else:
            tree[head] = f
    parts: list[str] = []
    args: list[ColumnElement[Any]] = []
    _object(tree, _Values(dialect, tenant_id), parts, args)
    template = literal("".join(parts), Text)
    if dialect == "postgresql":
        return type_coerce(func.format(template, *args), NullType())
    return type_coerce(cast(func.printf(template, *args), LargeBinary), NullType())


def _object(tree: Tree, values: _Values, parts: list[str], args: list[ColumnElement[Any]]) -> None:
    """Append the format of one JSON object (its keys sorted, as `OPT_SORT_KEYS` sorts them)
    and the arguments its `%s` take."""
    parts.append("{")
    for i, key in enumerate(sorted(tree)):
        node = tree[key]
        name = ("," if i else "") + '"' + key + '":'
        if isinstance(node, dict):
            parts.append(name.replace("%", "%%"))
            _object(node, values, parts, args)
        elif node.omit_null:
            # Left out while null: its key and separator are written only with its value,
            # so it must follow another key (true of every such field so far).
            if not i:
                raise ValueError(f"{node.path}: a field left out while null cannot come first")
            parts.append("%s")
            args.append(values.optional(node, name))
        else:
            piece, arg = values.value(node)
            parts.append(name.replace("%", "%%") + piece)
            if arg is not None:
                args.append(arg)
    parts.append("}")


class _Values:
    """Each field's JSON text as a SQL expression on one database (never null: `null`)."""

    def __init__(self, dialect: str, tenant_id: str) -> None:
        self.dialect = dialect
        self.listing = Listing(dialect)
        self.tenant = '"' + tenant_id + '"'

    def value(self, f: Field) -> tuple[str, ColumnElement[Any] | None]:
        """The field's piece of the format and the argument it takes (None: no argument).

        A required id or instant goes inside quotes in the format as the database formats it:
        each is a fixed layout of its column (see `Listing.formatted`), so only the stored
        value composes the leaf's text. Every string is quoted as JSON: written inside quotes
        unescaped, a value rewritten as the escaped text of the original (a backslash before
        each quote) would compose the original's bytes, and its alteration would pass."""
        if f.column in KNOWN:
            return self.tenant.replace("%", "%%"), None
        column = entries.c[f.column]
        if f.required and f.kind in (Kind.UUID, Kind.INSTANT):
            return '"%s"', self.listing.formatted(f)
        return "%s", self._json(f, column)

    def optional(self, f: Field, name: str) -> ColumnElement[Any]:
        """`,"key":value` when the field is set, else nothing (a document reading `null`
        counts as not set, as the entry's JSON leaves it out)."""
        column = entries.c[f.column]
        unset: ColumnElement[bool] = column.is_(None)
        if f.kind is Kind.DOCUMENT:
            unset = unset | (cast(column, Text) == "null")
        return case((unset, ""), else_=literal(name, Text) + self._json(f, column))

    def _json(self, f: Field, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """The field's JSON text as one SQL expression, `null` when null."""
        if f.kind is Kind.DOCUMENT:
            return func.coalesce(cast(column, Text), "null")
        if f.kind in (Kind.UUID, Kind.INSTANT):
            formatted = self.listing.formatted(f)
            return func.coalesce(literal('"', Text) + formatted + literal('"', Text), "null")
        if f.kind is Kind.FLOAT and self.dialect == "postgresql":
            # PostgreSQL writes 12.0 as 12; orjson as 12.0.
            whole = case((column == func.trunc(column), ".0"), else_="")
            return func.coalesce(cast(column, Text) + whole, "null")
        if f.kind in (Kind.SMALLINT, Kind.BIGINT, Kind.FLOAT):
            return func.coalesce(cast(column, Text), "null")
        return self._quoted(column)

    def _quoted(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """A string as a JSON string. PostgreSQL's `to_json` costs more than the rest of an
        entry's fields together, so there only `\\` and `"` are escaped: a value holding a
        control character (refused in one-line text) then gives bytes that miss the leaf, and
        the caller composes that entry in Python instead."""
        if self.dialect == "postgresql":
            escaped = func.replace(func.replace(column, "\\", "\\\\"), '"', '\\"')
            return func.coalesce(literal('"', Text) + escaped + literal('"', Text), "null")
        return func.json_quote(column)
