"""Syslog messages as RFC 5424 and RFC 6587 write them, checked against the RFC's grammar
(the integration tests hand them to a real rsyslog)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgi_audit import Outcome
from asgi_audit.streams import StreamEvent
from asgi_audit.streams.destinations.rfc5424 import BOM, MessageWriter, sd_id
from asgi_audit.streams.formats import StreamFormat
from stream_entries import PRODUCT, an_entry, hostile_text, stream_event, stream_events

HEADER = re.compile(
    rb"<(?P<pri>\d{1,3})>1 (?P<timestamp>\S+) (?P<hostname>[!-~]{1,255}) (?P<app>[!-~]{1,48}) "
    rb"- audit (?P<sd>\[(?:[^\]\\]|\\.)*\]) "
)
"""SYSLOG-MSG up to MSG, as RFC 5424 §6 draws it (one SD-ELEMENT, PROCID NIL, MSGID audit)."""
SD_PARAM = re.compile(r' ([!-~]{1,32}?)="((?:[^"\\\]]|\\["\\\]])*)"')


def unescape(value: str) -> str:
    return re.sub(r'\\(["\\\]])', r"\1", value)


@settings(max_examples=100, deadline=None)
@given(
    stream_events,
    hostile_text,
    hostile_text,
    st.sampled_from([StreamFormat.NATIVE, StreamFormat.CEF]),
)
def test_every_message_follows_the_grammar_and_its_frame_counts_its_octets(
    event: StreamEvent, hostname: str, app_name: str, fmt: StreamFormat
) -> None:
    writer = MessageWriter(fmt, PRODUCT, hostname=hostname, app_name=app_name)
    frame = writer.frame(event)
    length, _, message = frame.partition(b" ")
    assert int(length) == len(message)
    match = HEADER.match(message)
    assert match is not None, message[:300]
    assert message[match.end() : match.end() + 3] == BOM
    message[match.end() + 3 :].decode("utf-8")  # MSG is UTF-8
    sd = match["sd"].decode()
    element_id = sd[1:].split(" ", 1)[0]
    assert re.fullmatch(r'[^="\] ]{1,32}', element_id)
    assert element_id.endswith("@32473")
    params = {name: unescape(value) for name, value in SD_PARAM.findall(sd)}
    assert params["entryId"] == event.entry_id
    assert params["seq"] == str(event.seq)
    assert params["tenantId"] == event.entry["tenant_id"]


def test_pri_is_the_facility_times_eight_plus_the_outcomes_severity() -> None:
    event = stream_event(an_entry(status=403, outcome=Outcome.FAILED))
    for facility, pri in ((13, b"<108>"), (10, b"<84>")):
        writer = MessageWriter(
            StreamFormat.NATIVE, PRODUCT, hostname="h", app_name="a", facility=facility
        )
        assert writer.message(event).startswith(pri)


def test_a_facility_outside_the_rfc_is_refused() -> None:
    with pytest.raises(ValueError, match="facility"):
        MessageWriter(StreamFormat.NATIVE, PRODUCT, hostname="h", app_name="a", facility=24)


@pytest.mark.parametrize(
    ("app_name", "expected"),
    [
        ("callmanager", "callmanager@32473"),
        ('call "manager"=x]', "callmanagerx@32473"),
        ("a" * 40, "a" * 26 + "@32473"),
        ("", "audit@32473"),
    ],
)
def test_the_sd_id_is_a_valid_sd_name_from_the_app_name(app_name: str, expected: str) -> None:
    assert sd_id(app_name) == expected
