"""A real HTTP server on a loopback port that receives webhook deliveries, as a SIEM would:
it verifies each one's Standard Webhooks signature with the `standardwebhooks` package,
keeps what it got, and answers what the test tells it to (200 by default)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Delivery:
    """One POST the receiver got: its headers, body, and whether its signature verified."""

    headers: dict[str, str]
    body: bytes
    verified: bool
    at: float = field(default_factory=time.time)
    """When it arrived (Unix time)."""

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    @property
    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.payload["data"]["events"]
        return events


@dataclass
class Receiver:
    url: str
    secret: str | None = None
    """The `whsec_` secret to verify with (set once the stream is created)."""
    deliveries: list[Delivery] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    """Statuses to answer with next, in order; 200 once they run out."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    hold_at: int | None = None
    """Hold the delivery of this number (0 first) unanswered until `release` is set."""
    holding: threading.Event = field(default_factory=threading.Event)
    """Set once the held delivery arrived."""
    release: threading.Event = field(default_factory=threading.Event)

    def accepted(self) -> list[Delivery]:
        """Deliveries answered with a 2xx."""
        with self.lock:
            return [d for d in self.deliveries if d.headers.get("x-answered") == "200"]

    def seqs(self) -> list[int]:
        """The seqs of every accepted event, in the order they arrived."""
        return [e["seq"] for d in self.accepted() for e in d.events]


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrived = time.time()
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = False
            if receiver.secret is not None:
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except Exception:
                    verified = False
            with receiver.lock:
                held = receiver.hold_at == len(receiver.deliveries)
            if held:
                receiver.holding.set()
                receiver.release.wait(30)
            with receiver.lock:
                status = receiver.answers.pop(0) if receiver.answers else 200
                headers["x-answered"] = str(status)
                receiver.deliveries.append(Delivery(headers, body, verified, arrived))
            answer = b'{"ok": true}' if status == 200 else b'{"error": "refused by the test"}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the sender died waiting (a test killed it)
                return

        def log_message(self, *_args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/audit"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
