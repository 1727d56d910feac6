"""The record is declared once: a field added to a copy of the declaration is carried by every
derived form — JSON and canonical bytes, the table's columns, bulk rows, rows read back, the list
item and JSON line of an export, and the CSV columns."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any

import orjson
import pytest
from sqlalchemy import MetaData, PrimaryKeyConstraint, Table, create_engine, select

from asgi_audit.events import (
    ENTRY,
    ActorType,
    AuditEvent,
    Body,
    Changes,
    Resource,
    canonical_bytes,
)
from asgi_audit.export import csv_chunks, csv_columns
from asgi_audit.record import Field, Kind, enum_value
from asgi_audit.store.bulk import POSTGRES, SQLITE, Encoders, placed_encoder, row_encoder
from asgi_audit.store.listing import Listing
from asgi_audit.store.tables import columns
from asgi_audit.testing import make_event


@dataclass(frozen=True, slots=True)
class Ticketed(AuditEvent):
    """An entry with one more field, as a future version might add."""

    ticket: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return TICKETED.to_json(self)


TICKETED = ENTRY.extended(Field("ticket", Kind.STRING, length=32), make=Ticketed)


def _ticketed() -> Ticketed:
    event = make_event(uuid.uuid4(), occurred_at=datetime(2026, 5, 6, 7, 8, 9, 10, tzinfo=UTC))
    values = {name: getattr(event, name) for name in AuditEvent.__slots__}
    return Ticketed(**values, ticket="CHG-0042")


def test_a_field_added_to_the_declaration_is_in_the_json_and_the_canonical_bytes() -> None:
    event = _ticketed()
    assert event.to_dict()["ticket"] == "CHG-0042"
    assert orjson.loads(canonical_bytes(event))["ticket"] == "CHG-0042"
    assert set(event.to_dict()) == set(make_event(uuid.uuid4()).to_dict()) | {"ticket"}


def test_a_field_added_to_the_declaration_is_a_column_written_and_read_back() -> None:
    table = Table(
        "audit_entries",
        MetaData(),
        *columns(TICKETED),
        PrimaryKeyConstraint(*TICKETED.key),
    )
    assert table.c.ticket.type.length == 32  # type: ignore[attr-defined]
    event = _ticketed()
    row = row_encoder(TICKETED, SQLITE)(event)
    assert row[TICKETED.columns.index("ticket")] == "CHG-0042"

    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    marks = ", ".join("?" * len(TICKETED.columns))
    listing = Listing("sqlite", TICKETED, table)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO audit_entries VALUES ({marks})", [row])  # noqa: S608
        stored = conn.execute(select(table)).one()
        listed = conn.execute(select(*listing.columns())).one()

    assert TICKETED.from_columns(stored._mapping) == event
    expected = TICKETED.to_json(event, listed=True)
    assert listing.item(listed, str(event.tenant_id)) == expected
    assert expected["ticket"] == "CHG-0042"


def test_a_field_added_to_the_declaration_is_a_csv_column() -> None:
    event = _ticketed()
    assert csv_columns(TICKETED)[-1] == "ticket"
    batches = (batch for batch in [[TICKETED.to_json(event, listed=True)]])
    text = b"".join(csv_chunks(batches, TICKETED)).decode()
    [row] = csv.DictReader(io.StringIO(text))
    assert row["ticket"] == "CHG-0042"
    assert row["actor"] == event.actor.email


def test_every_entry_field_is_a_slot_of_the_entry_and_a_column_of_its_table() -> None:
    slots = set(AuditEvent.__slots__)
    heads = {f.path.partition(".")[0] for f in ENTRY.fields}
    assert heads == slots


def test_an_encoder_of_some_fields_gives_just_their_values_of_the_whole_row() -> None:
    """What stores an outcome encodes only the completing fields and the key, in that order."""
    event = _ticketed()
    whole = row_encoder(TICKETED, SQLITE)(event)
    chosen = (*TICKETED.completing, TICKETED.get("ticket"), *map(TICKETED.get, TICKETED.key))
    at = {f.column: i for i, f in enumerate(TICKETED.fields)}

    some = row_encoder(TICKETED, SQLITE, chosen)(event)

    assert some == tuple(whole[at[f.column]] for f in chosen)
    assert row_encoder(TICKETED, SQLITE, [TICKETED.get("ticket")])(event) == ("CHG-0042",)


def _entries_of_every_shape() -> list[AuditEvent]:
    """Bodies nested, escaped and absent; changes and a resource's name set and unset."""
    tenant = uuid.uuid4()
    body = Body("application/json", 42, is_json=True, json={"z": "a\tb 👋", "a": [1, 2.5, None]})
    named = Resource("group", "g-1", "Sales & Support")
    return [
        make_event(tenant, request=body, response=body),
        make_event(tenant, status=None),
        make_event(tenant, resource=named, changes=Changes("captured", ({"field": "name"},))),
        make_event(tenant, response=Body("text/plain", 5_000_000, truncated=True)),
    ]


@pytest.mark.parametrize("encoders", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])
def test_an_entry_s_row_and_leaf_encoded_together_are_its_row_and_its_canonical_bytes(
    encoders: Encoders,
) -> None:
    """The writer writes each body's JSON once, for the row and, spliced, for the leaf."""
    encode = placed_encoder(ENTRY, encoders)
    for seq, event in enumerate(_entries_of_every_shape()):
        row, leaf = encode(event, seq)
        assert row == row_encoder(ENTRY, encoders)(event, seq)
        assert leaf == canonical_bytes(event, seq)


def test_an_entry_s_leaf_encoded_with_its_row_carries_a_field_added_to_the_declaration() -> None:
    event = _ticketed()
    row, leaf = placed_encoder(TICKETED, SQLITE)(event, 3)
    assert row == row_encoder(TICKETED, SQLITE)(event, 3)
    assert orjson.loads(leaf)["ticket"] == "CHG-0042"
    assert leaf == orjson.dumps({**event.to_dict(), "seq": 3}, option=orjson.OPT_SORT_KEYS)


def test_an_enum_field_is_written_as_its_member_s_value_a_plain_str_whatever_the_enum() -> None:
    class Level(Enum):
        LOW = "low"

    class Shade(StrEnum):
        DARK = "dark"

    written = [
        enum_value(Field("level", Kind.STRING, enum=Level))(Level.LOW),
        enum_value(Field("shade", Kind.STRING, enum=Shade))(Shade.DARK),
        enum_value(Field("actor.type", Kind.STRING, enum=ActorType))(ActorType.SYSTEM),
    ]
    assert written == ["low", "dark", "system"]
    assert [type(value) for value in written] == [str, str, str]
