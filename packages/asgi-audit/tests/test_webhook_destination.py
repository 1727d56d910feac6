"""The webhook destination against a real HTTP server on a loopback port: batches signed per
Standard Webhooks (checked by the `standardwebhooks` package), a retried batch keeps its id, and
each kind of answer is a success, a retryable failure or a refusal."""

from __future__ import annotations

import base64
import importlib.abc
import importlib.util
import os
import socket
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from standardwebhooks import Webhook

from asgi_audit.streams import DeliveryError, NativeBatch, Product, StreamEvent
from asgi_audit.streams.destinations import WebhookDestination
from asgi_audit.streams.destinations.webhook import batch_id
from asgi_audit.streams.formats import StreamFormat
from asgi_audit.testing import make_event

pytestmark = pytest.mark.anyio

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
PRODUCT = Product("Haptap", "Call Manager", "1.0")


class Server:
    """Answers each POST with the next of `answers` (200 once none are left); keeps them."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.got: list[tuple[dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status, headers = server.answers.pop(0) if server.answers else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no")

            def log_message(self, *_args: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"


@pytest.fixture
def server() -> Iterator[Server]:
    found = Server()
    thread = threading.Thread(target=found.http.serve_forever, daemon=True)
    thread.start()
    yield found
    found.http.shutdown()
    found.http.server_close()


def batch(n: int = 3) -> list[StreamEvent]:
    events = [make_event().appended(seq) for seq in range(n)]
    return [StreamEvent(e.to_dict()) for e in events]


def destination(url: str, *, allow_private: bool = True) -> WebhookDestination:
    return WebhookDestination(
        url=url,
        secret=SECRET,
        fmt=StreamFormat.NATIVE,
        product=PRODUCT,
        allow_private=allow_private,
    )


async def test_a_batch_is_posted_signed_with_every_event_and_its_seq(server: Server) -> None:
    hook = destination(server.url)
    events = batch()
    assert await hook.send(events) == "200 OK"
    await hook.aclose()
    [(headers, body)] = server.got
    payload = Webhook(SECRET).verify(body, headers)
    assert payload["type"] == "audit.entries"
    assert [e["seq"] for e in payload["data"]["events"]] == [0, 1, 2]
    assert payload["data"]["events"][0] == events[0].entry
    assert headers["content-type"] == "application/json"


async def test_a_batch_sent_again_keeps_its_id_and_another_batch_has_its_own(
    server: Server,
) -> None:
    hook = destination(server.url)
    events = batch()
    server.answers.append((503, {}))
    with pytest.raises(DeliveryError) as failed:
        await hook.send(events)
    assert failed.value.retryable
    assert failed.value.status == 503
    await hook.send(events)
    await hook.send(batch())
    await hook.aclose()
    ids = [headers["webhook-id"] for headers, _ in server.got]
    assert ids[0] == ids[1] != ids[2]


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (401, False), (404, False), (408, True), (429, True)]
)
async def test_client_errors_are_refusals_except_timeouts_and_rate_limits(
    server: Server, status: int, retryable: bool
) -> None:
    server.answers.append((status, {}))
    hook = destination(server.url)
    with pytest.raises(DeliveryError) as failed:
        await hook.send(batch())
    await hook.aclose()
    assert failed.value.retryable is retryable
    assert failed.value.status == status
    assert str(status) in failed.value.excerpt


async def test_a_redirect_is_not_followed(server: Server) -> None:
    server.answers.append((307, {"Location": "http://169.254.169.254/latest/meta-data"}))
    hook = destination(server.url)
    with pytest.raises(DeliveryError) as failed:
        await hook.send(batch())
    await hook.aclose()
    assert not failed.value.retryable
    assert len(server.got) == 1


async def test_a_private_address_is_refused_before_connecting(server: Server) -> None:
    hook = destination(server.url, allow_private=False)
    with pytest.raises(DeliveryError) as failed:
        await hook.send(batch())
    await hook.aclose()
    assert not failed.value.retryable
    assert server.got == []


async def test_a_receiver_that_is_not_there_is_a_retryable_failure() -> None:
    hook = destination("http://127.0.0.1:9/hook")
    with pytest.raises(DeliveryError) as failed:
        await hook.send(batch())
    await hook.aclose()
    assert failed.value.retryable
    assert failed.value.status is None


async def test_the_body_names_its_time_and_carries_the_rendered_events() -> None:
    hook = destination("https://siem.example.com/hook")
    body = orjson.loads(hook.body(batch(1), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)))
    await hook.aclose()
    assert body["timestamp"] == "2026-01-02T03:04:05Z"
    assert len(body["data"]["events"]) == 1


def stored(events: list[StreamEvent]) -> NativeBatch:
    """`events` as a store reads them for a native stream: each entry's `seq` and JSON text."""
    return NativeBatch([(e.entry["seq"], orjson.dumps(e.entry).decode()) for e in events])


async def test_a_batch_of_stored_texts_is_the_same_body_as_a_batch_of_its_entries() -> None:
    """The texts are joined into the body, not rendered event by event: byte for byte the
    body the entries themselves give."""
    hook = destination("https://siem.example.com/hook")
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for n in (0, 1, 3):
        events = batch(n)
        assert hook.body(stored(events), now) == hook.body(events, now)
    await hook.aclose()


async def test_a_batch_of_stored_texts_is_posted_signed_with_its_entries(server: Server) -> None:
    hook = destination(server.url)
    events = batch()
    assert await hook.send(stored(events)) == "200 OK"
    await hook.aclose()
    [(headers, body)] = server.got
    payload = Webhook(SECRET).verify(body, headers)
    assert payload["data"]["events"] == [e.entry for e in events]
    assert payload["data"]["tenant_id"] == events[0].entry["tenant_id"]
    assert headers["webhook-id"] == batch_id(events)


class ImportSpy(importlib.abc.MetaPathFinder):
    """Notes each search for `sniffio` (and finds nothing, leaving the search to the others)."""

    def __init__(self) -> None:
        self.searches = 0

    def find_spec(self, name: str, *_args: object, **_kwargs: object) -> None:
        if name == "sniffio":
            self.searches += 1


async def test_a_post_does_not_search_the_path_for_sniffio(server: Server) -> None:
    """httpcore asks for `sniffio` four times a request; installed (a dependency of the engine),
    it is imported once, where a missing one was searched for along `sys.path` on every request
    (~50 µs a search)."""
    hook = destination(server.url)
    await hook.send(batch())
    spy = ImportSpy()
    sys.meta_path.insert(0, spy)
    try:
        await hook.send(batch())
        await hook.send(batch())
    finally:
        sys.meta_path.remove(spy)
        await hook.aclose()
    assert spy.searches == 0
    assert len(server.got) == 3


def resolving(monkeypatch: pytest.MonkeyPatch, answer: str | None) -> list[int]:
    """Make every look-up of a host answer `answer` (None: the name does not resolve); returns
    the ids of the threads that looked up."""
    threads: list[int] = []

    def getaddrinfo(host: str, port: int, *_args: object, **_kwargs: object) -> list[Any]:
        threads.append(threading.get_ident())
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return threads


async def test_the_host_is_resolved_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow resolver must not stall the server's event loop before each batch."""
    threads = resolving(monkeypatch, "10.0.0.7")
    hook = destination("https://siem.example.com/hook", allow_private=False)
    with pytest.raises(DeliveryError) as failed:
        await hook.send(batch())
    await hook.aclose()
    assert not failed.value.retryable  # a private address: refused before connecting
    assert threads
    assert threading.get_ident() not in threads


async def test_a_host_that_does_not_resolve_is_a_retryable_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving(monkeypatch, None)
    hook = destination("https://siem.example.com/hook", allow_private=False)
    with pytest.raises(DeliveryError) as failed:
        await hook.send(batch())
    await hook.aclose()
    assert failed.value.retryable
    assert failed.value.status is None


async def test_a_proxy_named_in_the_environment_is_not_used(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbound safety check judges the host a batch goes to: a proxy from the
    environment would connect elsewhere (here, to a port that refuses)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    hook = destination(server.url)
    try:
        assert await hook.send(batch()) == "200 OK"
    finally:
        await hook.aclose()
    assert len(server.got) == 1
