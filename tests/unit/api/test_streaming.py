"""A streamed export: every chunk in order, made in a worker thread, and the generator closed
however the stream ends, so a database cursor behind it is never left open."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

import anyio
import pytest

from callmanager.api.streaming import AHEAD, PrefetchingStreamingResponse

pytestmark = pytest.mark.anyio
SCOPE = {"type": "http", "asgi": {"spec_version": "2.3"}, "method": "GET", "path": "/"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Source:
    """A generator of numbered chunks that records where it ran and whether it was closed."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.made = 0
        self.closed = False
        self.threads: set[int] = set()

    def chunks(self) -> Generator[bytes, None, None]:
        try:
            for n in range(self.count):
                self.threads.add(threading.get_ident())
                self.made += 1
                yield f"{n}\n".encode()
        finally:
            self.closed = True


def respond(source: Source) -> PrefetchingStreamingResponse:
    return PrefetchingStreamingResponse(source.chunks(), media_type="application/x-ndjson")


def test_a_source_that_fails_at_once_raises_before_any_status_is_sent() -> None:
    def failing() -> Generator[bytes, None, None]:
        raise ConnectionError("the database is down")
        yield b""  # pragma: no cover

    with pytest.raises(ConnectionError):
        PrefetchingStreamingResponse(failing(), media_type="application/x-ndjson")


async def test_every_chunk_is_sent_in_order_then_the_body_ends() -> None:
    source = Source(5)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    response = await anyio.to_thread.run_sync(respond, source)  # as a sync endpoint does
    await response(SCOPE, receive, send)

    assert sent[0]["type"] == "http.response.start"
    assert b"".join(m["body"] for m in sent[1:]) == b"0\n1\n2\n3\n4\n"
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert source.closed
    assert threading.get_ident() not in source.threads


async def test_a_client_that_goes_away_stops_the_chunks_and_closes_them() -> None:
    source = Source(10_000)
    sent: list[dict[str, Any]] = []
    gone = anyio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if len(sent) == 4:
            gone.set()
            await anyio.sleep_forever()  # the network stalls, the client hangs up

    response = respond(source)
    with anyio.fail_after(5):
        await response(SCOPE, receive, send)

    assert source.closed
    assert source.made <= len(sent) + AHEAD + 1
