"""A search's every entry as a file: JSON Lines (verifiable, see below) or CSV.

Both come from the store's export, one chunk of bytes per batch of entries, so a streamed
response costs one send per batch and memory stays flat however many entries match.

**Verifiable JSON Lines.** Every line but the last is an entry as the API lists it (with its
`seq`) plus `leaf`, base64 of its leaf bytes (`canonical_bytes` of the whole stored entry,
bodies included; null while the entry is pending), and `inclusion_path`, the base64 hashes
proving that leaf in the tree of the trailer's checkpoint (RFC 9162 order, leaf side first;
null when `seq` is null or not below that tree's size). A leaf whose entry is gone keeps its
line as `{"seq", "entry_id", "hash", "leaf": null, "inclusion_path"}`. The last line is the
trailer: `{"checkpoint": signed note | null, "tree_size": N, "range": {"start", "end"} | null}`
(`range` for an export of a `seq` range, which then holds every leaf of it, in order).
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Generator
from contextlib import closing
from enum import StrEnum
from typing import Any, cast

import orjson

from asgi_audit.events import ENTRY, AuditEvent
from asgi_audit.record import Record, put
from asgi_audit.store.paths import InclusionPaths
from asgi_audit.store.port import Leaf, StoredCheckpoint
from asgi_audit.types import JSON, JSONObject

BATCH = 1_000
"""Entries per chunk: big enough that per-chunk costs vanish, small enough to stream smoothly."""


def csv_columns(record: Record[Any]) -> tuple[str, ...]:
    """The record's CSV fields in order, the actor as one plain `actor` column after its type."""
    names: list[str] = []
    for f in record.fields:
        if f.csv and f.listed:
            names.append(f.column)
            if f.path == "actor.type":
                names.append("actor")
    return tuple(names)


CSV_COLUMNS = csv_columns(ENTRY)

_FORMULA_STARTS = ("=", "+", "-", "@")


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"

    @property
    def media_type(self) -> str:
        if self is ExportFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/x-ndjson"

    @property
    def filename(self) -> str:
        return f"audit-log.{self.value}"


Batches = Generator[list[JSONObject], None, None]
Chunks = Generator[bytes, None, None]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _proven(item: JSONObject, leaf: bytes | None, path: list[bytes] | None) -> bytes:
    item["leaf"] = None if leaf is None else b64(leaf)
    item["inclusion_path"] = None if path is None else [b64(h) for h in path]
    return orjson.dumps(item) + b"\n"


_UNLISTED = tuple(f.path for f in ENTRY.fields if not f.listed and not f.omit_null)
"""What a list item writes as null (the bodies), though the leaf holds it."""
_UNLISTED_WHEN_SET = tuple(f.path for f in ENTRY.fields if not f.listed and f.omit_null)
"""What a list item writes as null when set, and leaves out (as the leaf does) when not."""


def _listed_and_leaf(e: AuditEvent) -> tuple[JSONObject, bytes | None]:
    """The entry's list item and its leaf bytes (None while pending), from one JSON form."""
    document = e.to_dict()
    leaf = None if e.seq is None else orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    for path in _UNLISTED:
        put(document, path, None)
    for path in _UNLISTED_WHEN_SET:
        if path in document:
            put(document, path, None)
    return document, leaf


def entry_lines(batches: Generator[list[AuditEvent], None, None], paths: InclusionPaths) -> Chunks:
    """Whole entries as verifiable lines, a chunk per batch, each proven in `paths`' tree."""
    with closing(batches):
        for batch in batches:
            proofs = paths(e.seq for e in batch if e.seq is not None)
            yield b"".join(
                _proven(*_listed_and_leaf(e), None if e.seq is None else proofs.get(e.seq))
                for e in batch
            )


def leaf_lines(batches: Generator[list[Leaf], None, None], paths: InclusionPaths) -> Chunks:
    """Leaves (in order) as verifiable lines; a leaf whose entry is gone keeps only its hash."""
    with closing(batches):
        for batch in batches:
            proofs = paths(leaf.seq for leaf in batch)
            yield b"".join(_leaf_line(leaf, proofs.get(leaf.seq)) for leaf in batch)


def _leaf_line(leaf: Leaf, path: list[bytes] | None) -> bytes:
    if leaf.entry is None:
        item: JSONObject = {"seq": leaf.seq, "entry_id": str(leaf.entry_id), "hash": b64(leaf.hash)}
        return _proven(item, None, path)
    return _proven(*_listed_and_leaf(leaf.entry), path)


def trailer(checkpoint: StoredCheckpoint | None, seq_range: tuple[int, int] | None) -> bytes:
    """The last line: the checkpoint every line is proven against, and the range exported."""
    return (
        orjson.dumps(
            {
                "checkpoint": None if checkpoint is None else checkpoint.note,
                "tree_size": 0 if checkpoint is None else checkpoint.size,
                "range": None
                if seq_range is None
                else {"start": seq_range[0], "end": seq_range[1]},
            }
        )
        + b"\n"
    )


def csv_chunks(batches: Batches, record: Record[Any] = ENTRY) -> Chunks:
    """The CSV file's bytes, the header first (even with no entries), then a chunk per batch.
    Closing the chunks closes the batches, so a stopped download frees its database cursor."""
    columns = csv_columns(record)
    paths = {f.column: f.path for f in record.fields}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    with closing(batches):
        for batch in batches:
            writer.writerows(_csv_row(entry, columns, paths) for entry in batch)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _csv_row(entry: JSONObject, columns: tuple[str, ...], paths: dict[str, str]) -> list[str]:
    return [_cell(_who(entry) if c == "actor" else _at(entry, paths[c])) for c in columns]


def _who(entry: JSONObject) -> JSON:
    """The actor as people name it: the email, else the name, else the id."""
    actor = cast(JSONObject, entry["actor"])
    return actor.get("email") or actor.get("name") or actor.get("id")


def _at(entry: JSONObject, path: str) -> JSON:
    head, _, tail = path.partition(".")
    value = entry.get(head)
    return value.get(tail) if tail and isinstance(value, dict) else value


def _cell(value: JSON) -> str:
    """A CSV cell; one that starts like a formula is quoted so spreadsheets show it, not run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
