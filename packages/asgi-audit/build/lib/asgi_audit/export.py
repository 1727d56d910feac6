"""A search's every entry as a file: JSON Lines (the entries as the API lists them) or CSV.

Both come from the store's export, one chunk of bytes per batch of entries, so a streamed
response costs one send per batch and memory stays flat however many entries match. The store
writes JSON Lines itself (a SQL database has each line written by the database); CSV is written
here from the listed entries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator
from contextlib import closing
from enum import StrEnum
from typing import Any, cast

from asgi_audit.events import ENTRY
from asgi_audit.record import Record
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
