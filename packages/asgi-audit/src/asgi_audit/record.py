"""The audit record's shape, declared once: each field's path, kind and roles.

A `Record` lists its `Field`s in order. Everything that spells out an entry is derived from it:
the JSON form (`to_json`, hence the canonical bytes), the table's columns, the rows a bulk
insert writes, the rows read back (`from_columns`), the list item and JSON line of an export,
and the CSV columns. Adding a field is one `Field` in `events.ENTRY` plus a migration.

A field's `path` is both its attribute path on the Python object (`actor.email`) and its place in
the JSON form (`{"actor": {"email": …}}`); its column is the path with `_` for `.`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from functools import cached_property
from operator import attrgetter
from typing import Any, Generic, TypeVar

from asgi_audit.types import JSON, JSONObject

T = TypeVar("T")


class Kind(Enum):
    """How a field's value is stored and written as JSON."""

    UUID = "uuid"
    """A `uuid.UUID`; JSON: its hyphenated string."""
    INSTANT = "instant"
    """An aware `datetime`; JSON: UTC with six fractional digits and `Z`."""
    STRING = "string"
    """A short string (a `StrEnum` when the field names one); JSON: the string."""
    TEXT = "text"
    """A string of any length."""
    SMALLINT = "smallint"
    BIGINT = "bigint"
    FLOAT = "float"
    DOCUMENT = "document"
    """A JSON document kept whole (a body); not part of list items."""


def format_instant(value: datetime) -> str:
    """UTC with exactly six fractional digits and a `Z`, e.g. `2026-01-02T03:04:05.000006Z`."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the record."""

    path: str
    kind: Kind
    required: bool = False
    """Never null."""
    length: int | None = None
    """The column's length, for `STRING`s that have one."""
    enum: Callable[[str], Any] | None = None
    """The enum-like class a `STRING` holds (members have `.value`): stored and written as
    the value, read back as a member."""
    document: Callable[[JSONObject], Any] | None = None
    """Reads a `DOCUMENT`'s stored JSON back into its Python object (which has `to_dict`)."""
    csv: bool = True
    """Whether the CSV export has a column for it."""
    completes: bool = False
    """Set again when a recorded entry's outcome is stored."""
    omit_null: bool = False
    """Left out of the JSON form while null: a field added after entries were stored (and
    hashed into the log) keeps those entries' canonical bytes as they were."""

    @property
    def column(self) -> str:
        return self.path.replace(".", "_")

    @property
    def listed(self) -> bool:
        """Whether list items carry its value (documents are only in whole entries)."""
        return self.kind is not Kind.DOCUMENT

    def to_json(self, value: Any) -> JSON:
        """The Python value as the JSON form writes it."""
        if value is None:
            return None
        if self.kind is Kind.UUID:
            return str(value)
        if self.kind is Kind.INSTANT:
            return format_instant(value)
        if self.kind is Kind.DOCUMENT:
            document: JSONObject = value.to_dict()
            return document
        if self.enum is not None:
            return value.value  # type: ignore[no-any-return]
        return value  # type: ignore[no-any-return]

    def from_stored(self, value: Any) -> Any:
        """A column's value, as the database driver returns it, as the Python value."""
        if value is None:
            return None
        if self.enum is not None:
            return self.enum(value)
        if self.kind is Kind.DOCUMENT:
            return self.document(value) if self.document and isinstance(value, dict) else None
        return value


class DictDisplay:
    """The source of a function body that builds an object's JSON in one (nested) dict
    display, from a source expression per field: what `Record.to_json` and the store's lean
    readers compile once, as `dataclasses` compiles its methods."""

    def __init__(self) -> None:
        self.top: dict[str, Any] = {}
        self.optional: list[str] = []

    def place(self, f: Field, value: str) -> None:
        """Put field `f`, computed by the expression `value`, at its dotted path; a field left
        out while null is set after the display, and only when not null."""
        head, _, tail = f.path.partition(".")
        if f.omit_null:
            into = f"d[{head!r}][{tail!r}]" if tail else f"d[{head!r}]"
            self.optional.append(f"    v = {value}\n    if v is not None:\n        {into} = v\n")
        elif tail:
            self.top.setdefault(head, {})[tail] = value
        else:
            self.top[head] = value

    def body(self) -> str:
        """The function's body: the display, then the optional fields, returning the dict."""
        if not self.optional:
            return f"    return {_display(self.top)}\n"
        return f"    d = {_display(self.top)}\n" + "".join(self.optional) + "    return d\n"


def _display(pairs: dict[str, Any]) -> str:
    items = (f"{key!r}: {_display(v) if isinstance(v, dict) else v}" for key, v in pairs.items())
    return "{" + ", ".join(items) + "}"


@dataclass(frozen=True)
class Record(Generic[T]):
    """An ordered declaration of fields, and how to build the Python object from them."""

    make: Callable[..., T]
    """The record's class, called with one keyword per top-level name."""
    fields: tuple[Field, ...]
    nested: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    """The class of each group of dotted paths, e.g. `{"actor": Actor}`."""
    key: tuple[str, ...] = ()
    """The columns that identify a stored entry, in the primary key's order."""

    def extended(self, *more: Field, make: Callable[..., T] | None = None) -> Record[T]:
        """This record with `more` fields after its own, built by `make` (a subclass with
        those attributes); tests use it to prove that every form derives from the fields."""
        return Record(make or self.make, (*self.fields, *more), self.nested, self.key)

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields)

    @cached_property
    def listed(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.listed)

    @cached_property
    def completing(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.completes)

    def get(self, name: str) -> Field:
        """The field with this column name or path."""
        for f in self.fields:
            if name in (f.column, f.path):
                return f
        raise KeyError(name)

    @cached_property
    def values(self) -> Callable[[T], tuple[Any, ...]]:
        """The object's value of every field, in order, read in one C call."""
        getter = attrgetter(*(f.path for f in self.fields))
        if len(self.fields) == 1:
            return lambda obj: (getter(obj),)
        return getter

    def to_json(self, obj: T, *, listed: bool = False) -> JSONObject:
        """The object's JSON form; `listed` writes documents as null, as list items do."""
        if not listed:
            return self._json_of(obj)
        out: JSONObject = {}
        for f, value in zip(self.fields, self.values(obj), strict=True):
            if value is None and f.omit_null:
                continue
            put(out, f.path, f.to_json(value) if f.listed else None)
        return out

    @cached_property
    def omitted(self) -> tuple[Field, ...]:
        """The fields left out of the JSON form while null."""
        return tuple(f for f in self.fields if f.omit_null)

    @cached_property
    def _json_of(self) -> Callable[[T], JSONObject]:
        """`to_json` compiled once into one dict display (as `dataclasses` compiles its
        methods): writing an entry's JSON, hence its leaf, is the log's cost per entry."""
        return self._compiled("def to_json(obj):\n    r = values(obj)\n", _document)

    def json_of_values(
        self, document: Callable[[Any], Any]
    ) -> Callable[[Sequence[Any]], JSONObject]:
        """`to_json` from the object's values in the fields' order (`values`), compiled once,
        each document that is not None through `document`: the writer passes each body as its
        JSON text and `orjson.Fragment`, so the text written for the row is spliced into the
        leaf bytes rather than the body written out again."""
        return self._compiled("def to_json(r):\n", document)

    def _compiled(self, head: str, document: Callable[[Any], Any]) -> Callable[[Any], JSONObject]:
        """A function whose source is `head` (which binds the values to `r`), then the JSON
        form as one (nested) dict display. The source is built from the record's own paths
        and converters, never from input."""
        converters: dict[str, Callable[[Any], Any]] = {}
        display = DictDisplay()
        for index, f in enumerate(self.fields):
            name = f"c{index}"
            convert = document if f.kind is Kind.DOCUMENT else _converter(f)
            converters[name] = convert
            value = f"r[{index}]"
            if convert is not _identity:
                value = f"(None if r[{index}] is None else {name}(r[{index}]))"
            display.place(f, value)
        namespace: dict[str, Any] = {"values": self.values, **converters}
        exec(head + display.body(), namespace)  # noqa: S102 - our own field paths, as dataclasses does
        return namespace["to_json"]  # type: ignore[no-any-return]

    def from_columns(self, row: Mapping[Any, Any]) -> T:
        """The object from a row's mapping of column names; documents absent from the row are
        None (a listing reads none)."""
        top: dict[str, Any] = {}
        groups: dict[str, dict[str, Any]] = {}
        for f in self.fields:
            value = f.from_stored(row[f.column]) if f.column in row else None
            head, _, tail = f.path.partition(".")
            if tail:
                groups.setdefault(head, {})[tail] = value
            else:
                top[head] = value
        for head, kwargs in groups.items():
            top[head] = self.nested[head](**kwargs)
        return self.make(**top)

    def nest(self, fields: Iterable[Field], values: Sequence[JSON]) -> JSONObject:
        """Values already in JSON form, one per field, as the nested JSON object."""
        out: JSONObject = {}
        for f, value in zip(fields, values, strict=True):
            put(out, f.path, value)
        return out


def _identity(value: Any) -> JSON:
    return value  # type: ignore[no-any-return]


def _enum_value(value: Any) -> JSON:
    return value.value  # type: ignore[no-any-return]


def enum_value(f: Field) -> Callable[[Any], Any]:
    """How a member of field `f`'s enum is written as its value: a member that is a `str` (a
    `StrEnum`'s, an `ActorType`) as its own text, in one C call; any other by `.value` (a
    Python-level property: an entry has three such fields, written for its row and its leaf)."""
    if isinstance(f.enum, type) and issubclass(f.enum, str):
        return str.__str__
    return _enum_value


def _document(value: Any) -> JSON:
    return value.to_dict()  # type: ignore[no-any-return]


def _converter(f: Field) -> Callable[[Any], JSON]:
    """What `Field.to_json` does to a value that is not None, as one function."""
    if f.kind is Kind.UUID:
        return str
    if f.kind is Kind.INSTANT:
        return format_instant
    if f.kind is Kind.DOCUMENT:
        return _document
    return enum_value(f) if f.enum is not None else _identity


def put(out: JSONObject, path: str, value: JSON) -> None:
    """Set `path` (dotted) in a nested JSON object."""
    head, _, tail = path.partition(".")
    if not tail:
        out[head] = value
        return
    inner = out.setdefault(head, {})
    assert isinstance(inner, dict)
    inner[tail] = value
