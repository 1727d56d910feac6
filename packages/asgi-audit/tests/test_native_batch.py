"""A native batch: entries as the store wrote their JSON, made events only when asked for."""

from __future__ import annotations

import orjson

from asgi_audit.streams import NativeBatch, StreamEvent
from asgi_audit.testing import make_event


def rows(n: int) -> list[tuple[int, str]]:
    entries = [make_event().appended(seq).to_dict() for seq in range(n)]
    return [(seq, orjson.dumps(entry).decode()) for seq, entry in enumerate(entries)]


def test_an_item_is_the_event_of_its_entry_with_its_seq_and_text() -> None:
    found = rows(3)
    batch = NativeBatch(found)
    event = batch[1]
    assert isinstance(event, StreamEvent)
    assert (event.seq, event.native) == found[1]
    assert event.entry == orjson.loads(found[1][1])
    assert batch[-1].seq == 2


def test_a_slice_is_a_native_batch_of_those_entries() -> None:
    found = rows(5)
    part = NativeBatch(found)[1:4]
    assert isinstance(part, NativeBatch)
    assert [e.seq for e in part] == [1, 2, 3]
    assert part.rows == found[1:4]
    assert len(NativeBatch(found)[5:]) == 0
