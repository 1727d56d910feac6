"""The Splunk HEC destination against a local receiver that checks the request as Splunk documents
it and answers as Splunk does: what is accepted, what is retried, what is not."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from asgi_audit import Action, Actor, ActorType, Outcome
from asgi_audit.events import epoch_us
from asgi_audit.streams import DeliveryError, StreamEvent
from asgi_audit.streams.destinations import HecDestination
from asgi_audit.streams.formats import StreamFormat
from hec_receiver import Answer, HecReceiver, hec_receiver
from stream_entries import PARTNER, PRODUCT, an_entry, assert_valid_ocsf, stream_event
from tls_certificates import Authority

pytestmark = pytest.mark.anyio

TOKEN = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def receiver() -> Iterator[HecReceiver]:
    with hec_receiver(TOKEN) as running:
        yield running


def destination(url: str, **options: Any) -> HecDestination:
    settings: dict[str, Any] = {
        "url": url,
        "token": TOKEN,
        "fmt": StreamFormat.NATIVE,
        "product": PRODUCT,
        "allow_private": True,
        "host": "cm-test-host",
        **options,
    }
    return HecDestination(**settings)


async def deliver(target: HecDestination, batch: Sequence[StreamEvent]) -> str:
    try:
        return await target.send(batch)
    finally:
        await target.aclose()


def batch() -> list[StreamEvent]:
    entries = [
        an_entry(),
        an_entry(action=Action.EDIT, method="PATCH", summary="Edited group 'Zürich\nEMEA'"),
        an_entry(action=Action.DELETE, method="DELETE", status=403, outcome=Outcome.FAILED),
        an_entry(actor=Actor(ActorType.SYSTEM, "holiday-migration", None, "holiday-migration")),
        an_entry(actor=Actor(PARTNER), status=None, outcome=Outcome.UNKNOWN),
    ]
    return [stream_event(entry, seq) for seq, entry in enumerate(entries, start=20)]


async def test_a_batch_is_accepted_as_hec_event_objects_in_order(receiver: HecReceiver) -> None:
    events = batch()
    answer = await deliver(destination(receiver.url), events)
    assert answer == "200 OK"
    assert receiver.requests == 1
    assert [e["event"] for e in receiver.events] == [event.entry for event in events]
    first = receiver.events[0]
    occurred = an_entry().occurred_at
    assert first["time"] == pytest.approx(epoch_us(occurred) / 1e6, abs=0.001)
    assert (first["host"], first["source"], first["sourcetype"]) == (
        "cm-test-host",
        "callmanager",
        "callmanager:audit",
    )
    assert "index" not in first
    assert first["fields"] == {
        "entry_id": events[0].entry_id,
        "seq": "20",
        "tenant_id": events[0].entry["tenant_id"],
    }


async def test_source_sourcetype_and_index_are_as_configured(receiver: HecReceiver) -> None:
    target = destination(
        receiver.url + "/", source="cm-eu", sourcetype="cm:audit:ocsf", index="security"
    )
    await deliver(target, batch()[:1])
    [event] = receiver.events
    assert (event["source"], event["sourcetype"], event["index"]) == (
        "cm-eu",
        "cm:audit:ocsf",
        "security",
    )


async def test_ocsf_events_arrive_valid(receiver: HecReceiver) -> None:
    events = batch()
    await deliver(destination(receiver.url, fmt=StreamFormat.OCSF), events)
    assert len(receiver.events) == len(events)
    for received, event in zip(receiver.events, events, strict=True):
        assert_valid_ocsf(received["event"])
        assert received["event"]["metadata"]["sequence"] == event.seq


async def test_the_endpoint_url_may_be_given_whole(receiver: HecReceiver) -> None:
    await deliver(destination(f"{receiver.url}/services/collector/event"), batch())
    assert len(receiver.events) == 5


async def test_a_wrong_token_is_refused_for_good_with_splunks_answer(
    receiver: HecReceiver,
) -> None:
    with pytest.raises(DeliveryError) as caught:
        await deliver(destination(receiver.url, token="not-the-token"), batch())
    assert (caught.value.status, caught.value.retryable) == (403, False)
    assert "Invalid token" in caught.value.excerpt
    assert receiver.events == []


@pytest.mark.parametrize(
    ("answer", "retryable"),
    [
        (Answer(503, {"text": "Server is busy", "code": 9}), True),
        (Answer(500, {"text": "Internal server error", "code": 8}), True),
        (Answer(429, {"text": "Too many requests"}), True),
        (Answer(408, {"text": "Request timeout"}), True),
        (Answer(400, {"text": "Invalid data format", "code": 6, "invalid-event-number": 0}), False),
        (Answer(403, {"text": "Token disabled", "code": 1}), False),
        (Answer(413, {"text": "Content request too large"}), False),
    ],
)
async def test_only_statuses_that_mean_later_are_retryable(
    receiver: HecReceiver, answer: Answer, retryable: bool
) -> None:
    receiver.queued.append(answer)
    with pytest.raises(DeliveryError) as caught:
        await deliver(destination(receiver.url), batch())
    assert (caught.value.status, caught.value.retryable) == (answer.status, retryable)
    assert str(answer.body["text"]) in caught.value.excerpt


async def test_a_redirect_is_not_followed(receiver: HecReceiver) -> None:
    location = f"{receiver.url}/elsewhere/services/collector/event"
    receiver.queued.append(Answer(307, {"text": "Moved"}, {"Location": location}))
    with pytest.raises(DeliveryError, match="not followed") as caught:
        await deliver(destination(receiver.url), batch())
    assert caught.value.status == 307
    assert receiver.requests == 1
    assert receiver.events == []


async def test_a_receiver_that_does_not_answer_in_time_is_a_retryable_timeout(
    receiver: HecReceiver,
) -> None:
    receiver.hold = threading.Event()
    with pytest.raises(DeliveryError, match="timed out") as caught:
        await deliver(destination(receiver.url, timeout=0.2), batch())
    assert caught.value.retryable
    assert caught.value.status is None


async def test_a_receiver_that_is_not_there_is_a_retryable_error() -> None:
    with hec_receiver(TOKEN) as gone:
        url = gone.url
    with pytest.raises(DeliveryError, match="could not be reached") as caught:
        await deliver(destination(url), batch())
    assert caught.value.retryable


async def test_plain_http_and_private_hosts_are_refused_unless_allowed(
    receiver: HecReceiver,
) -> None:
    with pytest.raises(DeliveryError, match="https") as caught:
        await deliver(destination(receiver.url, allow_private=False), batch())
    assert not caught.value.retryable
    assert receiver.requests == 0


async def test_a_second_batch_reuses_the_destination(receiver: HecReceiver) -> None:
    events = batch()
    target = destination(receiver.url)
    try:
        await target.send(events[:2])
        await target.send(events[2:])
    finally:
        await target.aclose()
    assert [e["fields"]["seq"] for e in receiver.events] == ["20", "21", "22", "23", "24"]


def test_the_receiver_refuses_what_splunk_refuses(receiver: HecReceiver) -> None:
    """The judge judges: a missing or blank event, a stray key, a non-numeric time, a body
    that is not concatenated JSON objects, a missing token."""
    auth = {"authorization": f"Splunk {TOKEN}"}
    post = "/services/collector/event"
    cases = {
        b'{"time": 1.5}': (12, 0),
        b'{"event": "a"} {"event": ""}': (13, 1),
        b'{"event": "a", "colour": "red"}': (6, 0),
        b'{"event": "a", "time": "noon"}': (6, 0),
        b'{"event": "a", "fields": {"n": 1}}': (15, 0),
        b'{"event": "a"}]': (6, 0),
    }
    for body, (code, number) in cases.items():
        answer = receiver.handle("POST", post, auth, body)
        assert (answer.status, answer.body["code"]) == (400, code), body
        assert answer.body.get("invalid-event-number") == number, body
    assert receiver.handle("POST", post, {}, b'{"event": "a"}').status == 401
    assert receiver.handle("POST", post, auth, b'{"event": "a"}\n{"event": {"b": 1}}').status == 200


async def test_a_receiver_with_a_certificate_of_the_pinned_ca_is_trusted() -> None:
    """Splunk's HEC comes with a self-signed certificate: `ca_pem` pins the CA to trust."""
    authority = Authority.create("Splunk Test CA")
    with hec_receiver(TOKEN, authority.issue("127.0.0.1", server=True)) as receiver:
        assert receiver.url.startswith("https://")
        answer = await deliver(destination(receiver.url, ca_pem=authority.cert_pem), batch())
        assert answer == "200 OK"
        assert len(receiver.events) == 5


async def test_a_certificate_the_pinned_ca_did_not_issue_is_refused_and_retried() -> None:
    authority = Authority.create("Splunk Test CA")
    with hec_receiver(TOKEN, authority.issue("127.0.0.1", server=True)) as receiver:
        other = Authority.create("Another CA").cert_pem
        with pytest.raises(DeliveryError) as refused:
            await deliver(destination(receiver.url, ca_pem=other), batch())
        assert refused.value.status is None
        assert "certificate" in str(refused.value)
        assert receiver.events == []


async def test_without_a_pinned_ca_a_self_signed_receiver_is_not_trusted() -> None:
    authority = Authority.create("Splunk Test CA")
    with hec_receiver(TOKEN, authority.issue("127.0.0.1", server=True)) as receiver:
        with pytest.raises(DeliveryError):
            await deliver(destination(receiver.url), batch())
        assert receiver.events == []


def test_a_ca_that_is_not_pem_is_refused_when_the_destination_is_made() -> None:
    with pytest.raises(ValueError, match="ca_pem"):
        destination("https://splunk.example.com", ca_pem="not a certificate")
