"""A stored entry travels as its JSON text (`NativeBatch`); each destination frames it from the
text's head (the leading fields, before the bodies) exactly as it frames the entry itself."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgi_audit.events import AuditEvent
from asgi_audit.store.native_rows import HEAD_FIELDS
from asgi_audit.streams import NativeBatch, StreamEvent
from asgi_audit.streams.destinations import HecDestination, WebhookDestination
from asgi_audit.streams.destinations.rfc5424 import MessageWriter
from asgi_audit.streams.formats import StreamFormat
from stream_entries import PRODUCT, an_entry, entries

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def texts(found: list[AuditEvent]) -> tuple[NativeBatch, list[StreamEvent]]:
    """`found` as a store hands them to a native stream, and as whole entries."""
    documents = [e.to_dict() for e in found]
    rows = [(int(str(d["seq"])), orjson.dumps(d).decode()) for d in documents]
    return NativeBatch(rows), [StreamEvent(d) for d in documents]


def test_a_native_events_head_is_its_entrys_leading_fields() -> None:
    entry = an_entry().to_dict()
    [event] = NativeBatch([(41, orjson.dumps(entry).decode())])
    assert set(HEAD_FIELDS) <= set(event.head)
    assert event.head == {key: entry[key] for key in event.head}
    assert not {"request", "response"} & set(event.head)


def test_a_native_events_head_is_read_without_its_bodies() -> None:
    text = orjson.dumps(an_entry().to_dict()).decode()
    broken = text[: text.index(',"request":')] + ',"request":{not json'
    event = StreamEvent(native=broken, seq=41)
    assert event.head["outcome"] == "succeeded"
    assert event.entry_id == str(orjson.loads(text)["id"])
    with pytest.raises(orjson.JSONDecodeError):
        _ = event.entry


@settings(max_examples=60, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=4))
def test_hec_frames_a_stored_text_as_it_frames_its_entry(found: list[AuditEvent]) -> None:
    stored, whole = texts(found)
    hec = HecDestination(
        url="http://127.0.0.1:1",
        token="t",
        fmt=StreamFormat.NATIVE,
        product=PRODUCT,
        allow_private=True,
        host="h",
    )
    assert orjson.loads(b"[" + hec.body(stored).replace(b"\n", b",") + b"]") == orjson.loads(
        b"[" + hec.body(whole).replace(b"\n", b",") + b"]"
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=4), st.sampled_from(list(StreamFormat)))
def test_syslog_frames_a_stored_text_as_it_frames_its_entry(
    found: list[AuditEvent], fmt: StreamFormat
) -> None:
    stored, whole = texts(found)
    writer = MessageWriter(fmt, PRODUCT, hostname="h", app_name="callmanager")
    assert [writer.frame(e) for e in stored] == [writer.frame(e) for e in whole]


@settings(max_examples=30, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=4))
def test_a_webhook_carries_a_stored_text_as_its_entry(found: list[AuditEvent]) -> None:
    stored, whole = texts(found)
    webhook = WebhookDestination(
        url="http://127.0.0.1:1",
        secret=SECRET,
        fmt=StreamFormat.NATIVE,
        product=PRODUCT,
        allow_private=True,
    )
    assert webhook.body(stored, NOW) == webhook.body(whole, NOW)
