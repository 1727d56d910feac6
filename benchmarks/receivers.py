"""Local receivers for the streams benchmark, in a process of their own: a webhook, a Splunk HEC
collector and a syslog listener (RFC 6587 octet counting over TCP), each tallying what arrives.

    python -m benchmarks.receivers   # prints {"http": PORT, "syslog": PORT}, then serves

Each tally keeps every `seq` seen (so gaps and duplicates show), the arrival time of the first
and last event, and for latency probes (a `user_agent` of `bench-probe/N`) when probe N arrived.
`GET /stats/{kind}` answers the tally of one receiver; `POST /reset` clears them all. Given the
webhook's secret (`POST /secret`), the webhook receiver checks the Standard Webhooks signature
of one request in `SIGNATURE_SAMPLE` (the first always) with the `standardwebhooks` package, and
counts those that fail: a benchmark must not be fast by sending what a receiver would refuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import uvicorn
from pydantic import TypeAdapter
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from typing_extensions import TypedDict

from benchmarks.config import ROOT

PROBE = "bench-probe/"
KINDS = ("webhook", "splunk_hec", "syslog")
SIGNATURE_SAMPLE = 10
"""One webhook request in this many has its signature checked."""


@dataclass
class Tally:
    """What one receiver has seen."""

    events: int = 0
    seqs: set[int] = field(default_factory=set)
    first_at: float | None = None
    last_at: float | None = None
    low: int | None = None
    high: int | None = None
    probes: dict[str, float] = field(default_factory=dict)
    requests: int = 0
    signatures_checked: int = 0
    signatures_bad: int = 0

    def take(self, event: Any, now: float) -> None:
        if not isinstance(event, dict) or event.get("test"):
            return
        self.events += 1
        self.first_at = self.first_at or now
        self.last_at = now
        seq = event.get("seq")
        if isinstance(seq, int):
            self.seqs.add(seq)
            # Kept as events come: a summary's min/max over a million seqs, asked every
            # 50 ms while a backfill waits, was most of the receiver's CPU.
            if self.low is None or seq < self.low:
                self.low = seq
            if self.high is None or seq > self.high:
                self.high = seq
        agent = event.get("user_agent")
        if isinstance(agent, str) and agent.startswith(PROBE):
            self.probes.setdefault(agent.removeprefix(PROBE), now)

    def summary(self) -> dict[str, Any]:
        low, high = self.low, self.high
        missing = high - low + 1 - len(self.seqs) if low is not None and high is not None else 0
        return {
            "events": self.events,
            "distinct": len(self.seqs),
            "duplicates": self.events - len(self.seqs),
            "min_seq": low,
            "max_seq": high,
            "gaps": missing,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "probes": self.probes,
            "requests": self.requests,
            "signatures_checked": self.signatures_checked,
            "signatures_bad": self.signatures_bad,
        }


class _Event(TypedDict, total=False):
    """What a tally reads of an event (the rest of it is skipped unparsed)."""

    seq: int | None
    user_agent: str | None
    test: bool


class _Data(TypedDict):
    events: list[_Event]


class _Batch(TypedDict):
    data: _Data


class _HecItem(TypedDict, total=False):
    event: _Event


BATCH = TypeAdapter(_Batch)
"""A webhook body read for its events' `seq` and `user_agent` only: pydantic-core skips the
rest of each event without making Python objects of it (a third of the receiver's CPU an entry
went to `orjson.loads` building whole entries)."""

HEC_ITEM = TypeAdapter(_HecItem)

TALLIES = {kind: Tally() for kind in KINDS}
SIGNER: list[Webhook] = []
"""The webhook stream's secret, once told (`POST /secret`)."""


def _concatenated(body: bytes) -> Iterator[Any]:
    """HEC's body: JSON objects one after another (no array, no separator required)."""
    decoder = json.JSONDecoder()
    text, at = body.decode(), 0
    while at < len(text):
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return
        item, at = decoder.raw_decode(text, at)
        yield item


def _hec_items(body: bytes) -> Iterator[Any]:
    """HEC's items: one a line as our sender writes them, read for what a tally needs; any
    other layout (objects run together, as HEC also accepts) by the general reader."""
    try:
        return iter([HEC_ITEM.validate_json(line) for line in body.split(b"\n") if line.strip()])
    except ValueError:
        return _concatenated(body)


async def webhook(request: Request) -> Response:
    body = await request.body()
    now = time.time()
    tally = TALLIES["webhook"]
    if SIGNER and tally.requests % SIGNATURE_SAMPLE == 0:
        tally.signatures_checked += 1
        try:
            SIGNER[0].verify(body, dict(request.headers))
        except WebhookVerificationError:
            tally.signatures_bad += 1
            tally.requests += 1
            return Response(status_code=400)
    tally.requests += 1
    for event in BATCH.validate_json(body)["data"]["events"]:
        tally.take(event, now)
    return Response(status_code=204)


async def secret(request: Request) -> Response:
    SIGNER[:] = [Webhook((await request.body()).decode())]
    return Response(status_code=204)


async def hec(request: Request) -> Response:
    body = await request.body()
    now = time.time()
    for item in _hec_items(body):
        TALLIES["splunk_hec"].take(item.get("event"), now)
    return JSONResponse({"text": "Success", "code": 0})


async def stats(request: Request) -> Response:
    return JSONResponse(TALLIES[request.path_params["kind"]].summary())


async def reset(_request: Request) -> Response:
    for kind in KINDS:
        TALLIES[kind] = Tally()
    return Response(status_code=204)


APP = Starlette(
    routes=[
        Route("/webhook", webhook, methods=["POST"]),
        Route("/services/collector/event", hec, methods=["POST"]),
        Route("/stats/{kind}", stats),
        Route("/reset", reset, methods=["POST"]),
        Route("/secret", secret, methods=["POST"]),
    ]
)


async def _syslog_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Octet-counted frames (`LEN SP MSG`); MSG is RFC 5424, its free-form part the JSON event."""
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
        while True:
            length = int((await reader.readuntil(b" "))[:-1])
            message = await reader.readexactly(length)
            brace = message.find(b"{")
            if brace >= 0:
                with contextlib.suppress(orjson.JSONDecodeError):
                    TALLIES["syslog"].take(orjson.loads(message[brace:]), time.time())
    writer.close()


def _bound() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _serve() -> None:
    http_sock, syslog_sock = _bound(), _bound()
    syslog = await asyncio.start_server(_syslog_client, sock=syslog_sock)
    ports = {"http": http_sock.getsockname()[1], "syslog": syslog_sock.getsockname()[1]}
    print(json.dumps(ports), flush=True)
    config = uvicorn.Config(APP, log_level="warning", access_log=False, loop="none")
    async with syslog:
        await uvicorn.Server(config).serve(sockets=[http_sock])


class Receivers:
    """The receivers' process, started and stopped by a scenario; reads their tallies."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.receivers"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        ports = json.loads(self.process.stdout.readline())
        self.base_url = f"http://127.0.0.1:{ports['http']}"
        self.syslog_port: int = ports["syslog"]
        self._client = httpx.Client(base_url=self.base_url, timeout=30)

    def stats(self, kind: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._client.get(f"/stats/{kind}").json()
        return answer

    @property
    def pid(self) -> int:
        return self.process.pid

    def trust(self, webhook_secret: str) -> None:
        """Check the webhook's signatures with this secret (a sample of them)."""
        self._client.post("/secret", content=webhook_secret).raise_for_status()

    def reset(self) -> None:
        self._client.post("/reset").raise_for_status()

    def wait_for(self, kind: str, events: int, timeout: float) -> dict[str, Any]:
        """The tally once `events` distinct seqs arrived (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while True:
            tally = self.stats(kind)
            if tally["distinct"] >= events or time.monotonic() > deadline:
                return tally
            time.sleep(0.05)

    def close(self) -> None:
        self._client.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    import uvloop

    uvloop.run(_serve())
