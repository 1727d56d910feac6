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
from typing import cast

from callmanager.audit.types import JSON, JSONObject

BATCH = 1_000
"""Entries per chunk: big enough that per-chunk costs vanish, small enough to stream smoothly."""

CSV_COLUMNS = (
    "occurred_at", "id", "action", "summary", "actor_type", "actor", "source", "method", "path",
    "status", "outcome", "resource_type", "resource_id", "duration_ms", "client_ip", "user_agent",
)  # fmt: skip

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


def csv_chunks(batches: Batches) -> Chunks:
    """The CSV file's bytes, the header first (even with no entries), then a chunk per batch.
    Closing the chunks closes the batches, so a stopped download frees its database cursor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    with closing(batches):
        for batch in batches:
            writer.writerows(_csv_row(entry) for entry in batch)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _csv_row(entry: JSONObject) -> list[str]:
    actor = cast(JSONObject, entry["actor"])
    resource = cast(JSONObject, entry["resource"])
    who = actor.get("email") or actor.get("name") or actor.get("id")
    flat = {
        **entry,
        "actor_type": actor.get("type"),
        "actor": who,
        "resource_type": resource.get("type"),
        "resource_id": resource.get("id"),
    }
    return [_cell(flat.get(column)) for column in CSV_COLUMNS]


def _cell(value: JSON) -> str:
    """A CSV cell; one that starts like a formula is quoted so spreadsheets show it, not run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
