"""A search's every entry as a file: JSON Lines (verifiable, see below) or CSV.

Both come from the store's export, one chunk of bytes per batch of entries, so a streamed
response costs one send per batch and memory stays flat however many entries match.

**Verifiable JSON Lines.** Every line but the last is the whole entry as the API returns it
(`request` and `response` included, with its `seq`; keys sorted) plus `leaf`, base64 of its
leaf bytes (`canonical_bytes` of the entry: the line's own fields, in that order; null while
the entry is pending), and `inclusion_path`, the base64 hashes
proving that leaf in the tree of the trailer's checkpoint (RFC 9162 order, leaf side first;
null when `seq` is null or not below that tree's size). A leaf whose entry is gone keeps its
line as `{"seq", "entry_id", "hash", "leaf": null, "pruned", "inclusion_path"}` (`pruned`: removed
by retention, else lost). The last line is the trailer: `{"checkpoint": signed note | null,
"tree_size": N, "range": {"start", "end"} | null}` plus, once the log was pruned,
`"pruned_before"` (the retention mark) (`range` for an export of a `seq` range, which then
holds every leaf of it, in order).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Generator
from contextlib import closing
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

import orjson

from asgi_audit.events import ENTRY, canonical_bytes
from asgi_audit.record import Record, format_instant
from asgi_audit.store.paths import InclusionPaths
from asgi_audit.store.port import Canonical, Leaf, StoredCheckpoint
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
BODIES_NOTE = "request and response: not in CSV (see the JSON Lines export)"
"""The CSV header's last column, empty in every row: a CSV file says itself that it leaves the
bodies out, where any reader sees it, and still parses as a plain table."""

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


def _b64(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False)


_SORTED = orjson.OPT_SORT_KEYS


def _pending(leaf: bytes) -> bytes:
    """The line of an entry not yet in the log: its JSON object with null `leaf` and path."""
    pending = {**orjson.loads(leaf), "leaf": None, "inclusion_path": None}
    return orjson.dumps(pending, option=_SORTED) + b"\n"


def _line_parts(
    seq: int | None, leaf: bytes, proofs: dict[int, bytes], parts: list[bytes | memoryview]
) -> None:
    """Add one entry's line to `parts`, unjoined: its leaf bytes (its JSON object, keys sorted)
    spliced unchanged and unclosed, then `leaf` and `inclusion_path`. Each byte of a chunk is
    copied once, when the chunk's parts are joined."""
    if seq is None:
        parts.append(_pending(leaf))
        return
    path = proofs.get(seq)
    parts += (memoryview(leaf)[:-1], b',"leaf":"', _b64(leaf), b'","inclusion_path":')
    parts += (b"null}\n",) if path is None else (b"[", path, b"]}\n")


def _line(seq: int | None, leaf: bytes, proofs: dict[int, bytes]) -> bytes:
    parts: list[bytes | memoryview] = []
    _line_parts(seq, leaf, proofs, parts)
    return b"".join(parts)


def entry_lines(batches: Generator[list[Canonical], None, None], paths: InclusionPaths) -> Chunks:
    """Entries' seqs and canonical bytes (`AuditStore.export_leaves`) as verifiable lines, a
    chunk per batch, each proven in `paths`' tree."""
    with closing(batches):
        for batch in batches:
            proofs = paths.encoded(seq for seq, _ in batch if seq is not None)
            parts: list[bytes | memoryview] = []
            for seq, leaf in batch:
                _line_parts(seq, leaf, proofs, parts)
            yield b"".join(parts)


def leaf_lines(batches: Generator[list[Leaf], None, None], paths: InclusionPaths) -> Chunks:
    """Leaves (in order) as verifiable lines; a leaf whose entry is gone keeps only its hash."""
    with closing(batches):
        for batch in batches:
            proofs = paths.encoded(leaf.seq for leaf in batch)
            yield b"".join(_leaf_line(leaf, proofs) for leaf in batch)


def _leaf_line(leaf: Leaf, proofs: dict[int, bytes]) -> bytes:
    if leaf.entry is not None:
        return _line(leaf.seq, canonical_bytes(leaf.entry), proofs)
    path = proofs.get(leaf.seq)
    item: JSONObject = {
        "seq": leaf.seq,
        "entry_id": str(leaf.entry_id),
        "hash": b64(leaf.hash),
        "leaf": None,
        "pruned": leaf.pruned,
    }
    proven = b"null" if path is None else b"[" + path + b"]"
    return orjson.dumps(item)[:-1] + b',"inclusion_path":' + proven + b"}\n"


def trailer(
    checkpoint: StoredCheckpoint | None,
    seq_range: tuple[int, int] | None,
    pruned_before: datetime | None = None,
) -> bytes:
    """The last line: the checkpoint every line is proven against, the range exported, and
    (once the log was pruned) the retention mark before which entries may be hash only."""
    data: JSONObject = {
        "checkpoint": None if checkpoint is None else checkpoint.note,
        "tree_size": 0 if checkpoint is None else checkpoint.size,
        "range": None if seq_range is None else {"start": seq_range[0], "end": seq_range[1]},
    }
    if pruned_before is not None:
        data["pruned_before"] = format_instant(pruned_before)
    return orjson.dumps(data) + b"\n"


def csv_chunks(batches: Batches, record: Record[Any] = ENTRY) -> Chunks:
    """The CSV file's bytes, the header first (even with no entries, and ending with
    `BODIES_NOTE`), then a chunk per batch.
    Closing the chunks closes the batches, so a stopped download frees its database cursor."""
    columns = csv_columns(record)
    paths = {f.column: f.path for f in record.fields}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow((*columns, BODIES_NOTE))
    with closing(batches):
        for batch in batches:
            writer.writerows([*_csv_row(entry, columns, paths), ""] for entry in batch)
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
