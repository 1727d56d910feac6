"""Every kind of destination a stream can have reaches a real receiver on a loopback port: a
test event goes over plain TCP syslog (RFC 6587 octet counting), to a Splunk HEC endpoint with
its token, and to a webhook in OCSF. Wiring only (the engine tests each protocol): SQLite."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest

from callmanager.auth.principal import Role
from callmanager.settings import Settings
from tests.conftest import LoginAs, make_settings
from tests.factories import LoggedIn
from tests.webhook_receiver import webhook_receiver


@pytest.fixture
def settings(sqlite_database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        sqlite_database_url, tmp_path, streams_allow_private=True, streams_enabled=False
    )


@contextmanager
def tcp_listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP port that keeps everything each connection sends."""
    got: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                got.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], got
    finally:
        server.close()


@contextmanager
def hec_listener() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """An HTTP server answering HEC's success to each POST; keeps path, Authorization, body."""
    got: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((f"{self.path} {self.headers['Authorization']}", body))
            answer = b'{"text":"Success","code":0}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()
        server.server_close()


def send_test_event(owner: LoggedIn, body: dict[str, Any]) -> dict[str, Any]:
    created = owner.client.post(owner.url("/audit-log/streams"), json=body)
    assert created.status_code == 201, created.text
    path = owner.url(f"/audit-log/streams/{created.json()['id']}/test")
    result: dict[str, Any] = owner.client.post(path).json()
    return result


def test_a_test_event_goes_over_syslog_octet_counted_without_a_seq(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    with tcp_listener() as (port, got):
        destination = {"kind": "syslog", "host": "127.0.0.1", "port": port, "tls": False}
        result = send_test_event(
            owner, {"name": "Syslog", "destination": destination, "format": "cef"}
        )
        assert result["delivered"] is True, result
    [data] = got
    length, _, message = data.partition(b" ")
    assert int(length) == len(message)
    assert b'test="true"' in message
    assert b"seq=" not in message
    assert b"CEF:0|Haptap|Call Manager|" in message


def test_a_test_event_reaches_splunk_hec_with_its_token(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    with hec_listener() as (url, got):
        destination = {"kind": "splunk_hec", "url": url, "token": "hec-test-token"}
        result = send_test_event(owner, {"name": "Splunk", "destination": destination})
        assert result["delivered"] is True, result
    [(request, body)] = got
    assert request == "/services/collector/event Splunk hec-test-token"
    event = orjson.loads(body)
    assert event["event"]["test"] is True
    assert event["sourcetype"] == "callmanager:audit"


def test_a_test_event_reaches_a_webhook_in_ocsf(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        destination = {"kind": "webhook", "url": receiver.url}
        created = owner.client.post(
            owner.url("/audit-log/streams"),
            json={"name": "OCSF", "destination": destination, "format": "ocsf"},
        ).json()
        receiver.secret = created["secret"]
        result = owner.client.post(owner.url(f"/audit-log/streams/{created['id']}/test")).json()
        assert result["delivered"] is True, result
    [delivery] = receiver.deliveries
    assert delivery.verified
    [event] = delivery.events
    assert event["class_uid"] == 6003
