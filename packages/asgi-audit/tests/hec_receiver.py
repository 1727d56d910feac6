"""A local Splunk HTTP Event Collector for tests: a real HTTP server (in a thread) that checks each
request as Splunk's documentation describes the `/services/collector/event` endpoint, and answers
as Splunk does.

Checked: the method and path; `Authorization: Splunk <token>` (401 "Token is required", code 2,
without one; 403 "Invalid token", code 4, with another); a body of JSON event objects one after
another (whitespace between them allowed), each with `event` (not blank), and `time` (epoch
seconds), `host`, `source`, `sourcetype`, `index` and `fields` of the types HEC accepts, nothing
else (400 "Invalid data format", code 6, or "Event field is required", code 12, with the
`invalid-event-number`). Accepted: 200 `{"text":"Success","code":0}`. A test can queue answers of
its own (a 503 "Server is busy", a redirect) or make the receiver hold its answer.
"""

from __future__ import annotations

import json
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tls_certificates import Issued

EVENT_PATH = "/services/collector/event"
KEYS = {"time", "host", "source", "sourcetype", "index", "fields", "event"}
STRING_KEYS = ("host", "source", "sourcetype", "index")


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class HecReceiver:
    token: str
    port: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    """Every event object accepted, in the order received."""
    requests: int = 0
    queued: list[Answer] = field(default_factory=list)
    """Answers to give, first to last, before checking anything."""
    hold: threading.Event | None = None
    """When set to an unset Event, every request waits for it before answering."""
    tls: bool = False

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        self.requests += 1
        if self.hold is not None:
            self.hold.wait(timeout=30)
        if self.queued:
            return self.queued.pop(0)
        if method != "POST" or path != EVENT_PATH:
            return Answer(
                404, {"text": "The requested URL was not found on this server.", "code": 404}
            )
        authorization = headers.get("authorization")
        if authorization is None:
            return Answer(401, {"text": "Token is required", "code": 2})
        if authorization != f"Splunk {self.token}":
            return Answer(403, {"text": "Invalid token", "code": 4})
        if not body.strip():
            return Answer(400, {"text": "No data", "code": 5})
        try:
            events = list(concatenated_objects(body.decode("utf-8")))
        except ValueError:
            return Answer(
                400, {"text": "Invalid data format", "code": 6, "invalid-event-number": 0}
            )
        for number, event in enumerate(events):
            problem = event_problem(event)
            if problem is not None:
                text, code = problem
                return Answer(400, {"text": text, "code": code, "invalid-event-number": number})
        self.events.extend(events)
        return Answer(200, {"text": "Success", "code": 0})


def concatenated_objects(text: str) -> Iterator[Any]:
    """The JSON values in `text`, one after another (HEC's batch format)."""
    decoder = json.JSONDecoder()
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index == len(text):
            return
        value, index = decoder.raw_decode(text, index)
        yield value


def event_problem(event: Any) -> tuple[str, int] | None:
    """What HEC would refuse in one event object, as (text, code)."""
    if not isinstance(event, dict) or set(event) - KEYS:
        return "Invalid data format", 6
    if "event" not in event:
        return "Event field is required", 12
    if event["event"] in ("", None, {}):
        return "Event field cannot be blank", 13
    time_value = event.get("time")
    if time_value is not None and (
        isinstance(time_value, bool) or not isinstance(time_value, int | float)
    ):
        return "Invalid data format", 6
    if any(key in event and not isinstance(event[key], str) for key in STRING_KEYS):
        return "Invalid data format", 6
    fields = event.get("fields", {})
    if not isinstance(fields, dict) or not all(
        isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        for value in fields.values()
    ):
        return "Error in handling indexed fields", 15
    return None


@contextmanager
def hec_receiver(token: str, certificate: Issued | None = None) -> Iterator[HecReceiver]:
    """A running receiver on a loopback port; over TLS with `certificate` (as Splunk's own
    HEC is, with a certificate of its own CA)."""
    receiver = HecReceiver(token, tls=certificate is not None)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = receiver.handle(self.command, self.path, headers, body)
            payload = json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test's output stays quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if certificate is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as directory:
            context.load_cert_chain(*certificate.write(Path(directory), "hec"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
