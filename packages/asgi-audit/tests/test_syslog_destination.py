"""The syslog destination against a real rsyslog: RFC 5424 messages, octet-counted, over TLS (the
server verified, a client certificate when asked) and plain TCP; every event arrives whole, in
order, with its fields as rsyslog parsed them."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from asgi_audit import Action, Actor, ActorType, Body, Outcome
from asgi_audit.streams import DeliveryError, StreamEvent
from asgi_audit.streams.destinations import SyslogDestination
from asgi_audit.streams.destinations.syslog import DRAIN_AT, tls_context
from asgi_audit.streams.formats import StreamFormat
from cef_parser import parse
from rsyslog_server import Mode, Rsyslog, rsyslog
from stream_entries import PARTNER, PRODUCT, an_entry, assert_valid_ocsf, stream_event
from tls_certificates import Authority

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

BOM = "\ufeff"


def destination(
    server: Rsyslog, fmt: StreamFormat = StreamFormat.NATIVE, **options: Any
) -> SyslogDestination:
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "fmt": fmt,
        "product": PRODUCT,
        "tls": True,
        "ca_pem": server.authority.cert_pem,
        "allow_private": True,
        "hostname": "cm-test-host",
        **options,
    }
    return SyslogDestination(**settings)


def plain_tcp(port: int) -> SyslogDestination:
    """Native messages over plain TCP to a local port."""
    return SyslogDestination(
        host="127.0.0.1",
        port=port,
        fmt=StreamFormat.NATIVE,
        product=PRODUCT,
        tls=False,
        allow_private=True,
    )


async def deliver(target: SyslogDestination, batch: Sequence[StreamEvent]) -> str:
    try:
        return await target.send(batch)
    finally:
        await target.aclose()


def varied_batch() -> list[StreamEvent]:
    """A user's create, a multi-line Unicode edit, a refused delete, a System read, a Partner
    call whose outcome is unknown: at seq 10 to 14."""
    entries = [
        an_entry(),
        an_entry(action=Action.EDIT, method="PUT", summary="Edited group 'Zürich ☎\nline 2'"),
        an_entry(action=Action.DELETE, method="DELETE", status=403, outcome=Outcome.FAILED),
        an_entry(
            action=Action.READ,
            method="GET",
            actor=Actor(ActorType.SYSTEM, "holiday-migration", None, "holiday-migration"),
            client_ip=None,
        ),
        an_entry(actor=Actor(PARTNER), status=None, outcome=Outcome.UNKNOWN),
    ]
    return [stream_event(entry, seq) for seq, entry in enumerate(entries, start=10)]


def assert_rfc5424_fields(message: dict[str, Any], event: StreamEvent, severity: int) -> None:
    entry = event.entry
    assert message["protocol_version"] == "1"
    assert (message["facility"], message["severity"]) == ("13", str(severity))
    assert message["pri"] == str(13 * 8 + severity)
    assert message["timestamp"] == entry["occurred_at"]
    assert (message["hostname"], message["app_name"]) == ("cm-test-host", "callmanager")
    assert (message["procid"], message["msgid"]) == ("-", "audit")
    assert message["structured_data"] == (
        f'[callmanager@32473 entryId="{event.entry_id}" seq="{event.seq}" '
        f'tenantId="{entry["tenant_id"]}"]'
    )
    assert message["msg"].startswith(BOM)


async def test_events_arrive_over_tls_whole_in_order_with_their_fields(tmp_path: Path) -> None:
    batch = varied_batch()
    with rsyslog(tmp_path, "tls-anon") as server:
        answer = await deliver(destination(server), batch)
        received = server.wait_for(len(batch))
    assert answer == "5 messages written"
    assert len(received) == len(batch)
    for message, event, severity in zip(received, batch, [6, 6, 4, 6, 5], strict=True):
        assert_rfc5424_fields(message, event, severity)
        assert json.loads(message["msg"].removeprefix(BOM)) == event.entry


@pytest.mark.parametrize("mode", ["tcp", "tls-anon"])
async def test_cef_lines_arrive_over_plain_tcp_and_tls(tmp_path: Path, mode: Mode) -> None:
    batch = varied_batch()
    with rsyslog(tmp_path, mode) as server:
        await deliver(destination(server, StreamFormat.CEF, tls=mode != "tcp"), batch)
        received = server.wait_for(len(batch))
    assert [parse(m["msg"].removeprefix(BOM)).extension["externalId"] for m in received] == [
        "10",
        "11",
        "12",
        "13",
        "14",
    ]
    edit = parse(received[1]["msg"].removeprefix(BOM))
    assert edit.extension["msg"] == "Edited group 'Zürich ☎\nline 2'"
    assert edit.name == "Edited group 'Zürich ☎ line 2'"


async def test_ocsf_events_arrive_valid(tmp_path: Path) -> None:
    batch = varied_batch()
    with rsyslog(tmp_path, "tls-anon") as server:
        await deliver(destination(server, StreamFormat.OCSF), batch)
        received = server.wait_for(len(batch))
    assert len(received) == len(batch)
    for message, event in zip(received, batch, strict=True):
        ocsf = json.loads(message["msg"].removeprefix(BOM))
        assert_valid_ocsf(ocsf)
        assert ocsf["metadata"]["sequence"] == event.seq


async def test_an_entry_with_a_64_kb_body_arrives_as_one_whole_message(tmp_path: Path) -> None:
    text = "ä" * 16_000 + "\n" + "x" * 32_000 + "🎉" * 4_000
    body = Body("application/json", len(text.encode()), is_json=True, json={"notes": text})
    event = stream_event(an_entry(request=body), 7)
    with rsyslog(tmp_path, "tls-anon") as server:
        await deliver(destination(server), [event, stream_event(an_entry(), 8)])
        received = server.wait_for(2)
    assert len(received) == 2
    entry = json.loads(received[0]["msg"].removeprefix(BOM))
    assert entry["request"]["body"]["notes"] == text
    assert len(received[0]["msg"].encode()) > 65_536
    assert json.loads(received[1]["msg"].removeprefix(BOM))["seq"] == 8


async def test_a_client_certificate_is_presented_to_a_receiver_that_requires_one(
    tmp_path: Path,
) -> None:
    authority = Authority.create("Test syslog CA")
    client = authority.issue("callmanager-client", server=False)
    with rsyslog(tmp_path, "tls-x509", authority) as server:
        target = destination(server, client_cert_pem=client.cert_pem, client_key_pem=client.key_pem)
        await deliver(target, varied_batch()[:2])
        received = server.wait_for(2)
    assert [json.loads(m["msg"].removeprefix(BOM))["seq"] for m in received] == [10, 11]


async def test_a_server_certificate_the_pinned_ca_did_not_issue_is_refused(tmp_path: Path) -> None:
    with rsyslog(tmp_path, "tls-anon") as server:
        target = destination(server, ca_pem=Authority.create("Another CA").cert_pem)
        with pytest.raises(DeliveryError) as caught:
            await deliver(target, varied_batch())
        received = server.received()
    assert caught.value.retryable
    assert caught.value.status is None
    assert "certificate" in str(caught.value)
    assert received == []


async def test_a_receiver_that_does_not_listen_is_a_retryable_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = plain_tcp(port)
    with pytest.raises(DeliveryError) as caught:
        await deliver(target, varied_batch())
    assert caught.value.retryable


async def test_a_private_host_is_refused_before_connecting_unless_allowed() -> None:
    target = SyslogDestination(
        host="127.0.0.1",
        port=6514,
        fmt=StreamFormat.NATIVE,
        product=PRODUCT,
        tls=True,
        allow_private=False,
    )
    with pytest.raises(DeliveryError, match="non-public") as caught:
        await deliver(target, varied_batch())
    assert not caught.value.retryable


async def test_the_connection_is_opened_again_after_the_receiver_restarts(tmp_path: Path) -> None:
    batch = varied_batch()
    authority = Authority.create("Test syslog CA")
    with rsyslog(tmp_path, "tls-anon", authority) as server:
        target = destination(server)
        await target.send(batch[:2])
        assert len(server.wait_for(2)) == 2
        port = server.port
    with rsyslog(tmp_path, "tls-anon", authority, port=port) as server:
        try:
            await target.send(batch[2:])
        finally:
            await target.aclose()
        received = server.wait_for(len(batch))
    assert [json.loads(m["msg"].removeprefix(BOM))["seq"] for m in received] == [10, 11, 12, 13, 14]


async def test_structured_data_values_escape_quotes_backslashes_and_brackets(
    tmp_path: Path,
) -> None:
    entry = {**an_entry().to_dict(), "tenant_id": 'a"b\\c]d', "seq": 3}
    with rsyslog(tmp_path, "tcp") as server:
        await deliver(destination(server, tls=False), [StreamEvent(entry)])
        [message] = server.wait_for(1)
    assert message["structured_data"] == (
        f'[callmanager@32473 entryId="{entry["id"]}" seq="3" tenantId="a\\"b\\\\c\\]d"]'
    )
    assert json.loads(message["msg"].removeprefix(BOM))["tenant_id"] == 'a"b\\c]d'


@pytest.mark.parametrize(
    ("pems", "message"),
    [
        (
            {"ca_pem": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"},
            "ca_pem",
        ),
        ({"client_cert_pem": "garbage", "client_key_pem": "garbage"}, "client_cert_pem"),
        ({"client_key_pem": "a key without its certificate"}, "client_key_pem"),
    ],
)
def test_unusable_tls_material_is_refused_when_the_destination_is_made(
    pems: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        tls_context(pems.get("ca_pem"), pems.get("client_cert_pem"), pems.get("client_key_pem"))


def test_a_client_key_that_is_not_the_certificates_is_refused() -> None:
    authority = Authority.create("Test syslog CA")
    one, other = authority.issue("one", server=False), authority.issue("other", server=False)
    with pytest.raises(ValueError, match="client_cert_pem"):
        tls_context(authority.cert_pem, one.cert_pem, other.key_pem)
    assert tls_context(authority.cert_pem, one.cert_pem, one.key_pem) is not None


async def test_a_batch_is_handed_to_the_socket_in_a_few_writes_not_one_per_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Writing each frame by itself made a system call per event; the frames of a batch go
    together, as large as the drain threshold allows, and arrive whole and in order."""
    received = bytearray()
    done = asyncio.Event()

    async def receive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):
            received.extend(chunk)
        writer.close()
        done.set()

    server = await asyncio.start_server(receive, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    writes: list[int] = []
    write = asyncio.StreamWriter.write

    def counted(self: asyncio.StreamWriter, data: Any) -> None:
        writes.append(len(data))
        write(self, data)

    monkeypatch.setattr(asyncio.StreamWriter, "write", counted)
    batch = [stream_event(an_entry(), seq) for seq in range(200)]
    target = plain_tcp(port)
    async with server:
        await deliver(target, batch)
        await asyncio.wait_for(done.wait(), 10)
    assert len(writes) <= 1 + sum(writes) // DRAIN_AT, writes
    frames = [target.messages.frame(event) for event in batch]
    assert bytes(received) == b"".join(frames)
