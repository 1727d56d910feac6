"""A streamed response whose chunks come from a blocking generator, made ahead of the network."""

from __future__ import annotations

from collections.abc import Generator, Mapping

import anyio
from anyio.streams.memory import MemoryObjectSendStream
from fastapi.responses import StreamingResponse
from starlette.types import Send

AHEAD = 2
"""Chunks made and waiting while one is being sent: the database and the network work at the
same time, and memory holds at most this many chunks more."""


class PrefetchingStreamingResponse(StreamingResponse):
    """Streams `chunks` (a blocking generator, e.g. a database cursor's) from a worker thread,
    keeping up to `AHEAD` chunks ready. However the stream ends (done, failed, or the client
    gone) the generator is closed, so what it holds is released.

    The first chunk is read when the response is made (in the endpoint's thread), so a source
    that fails at once raises there, before any status is sent, and becomes a problem response.
    """

    def __init__(
        self,
        chunks: Generator[bytes, None, None],
        *,
        media_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        # The parent's own iterator is unused: `stream_response` below reads `chunks` instead.
        super().__init__((), media_type=media_type, headers=headers)
        self.first = next(chunks, None)
        self.chunks = chunks

    async def stream_response(self, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        ready, receive = anyio.create_memory_object_stream[bytes](AHEAD)
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._make, ready)
                async with receive:
                    async for chunk in receive:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.chunks.close)

    async def _make(self, ready: MemoryObjectSendStream[bytes]) -> None:
        async with ready:
            if self.first is not None:
                await ready.send(self.first)
            while (chunk := await anyio.to_thread.run_sync(next, self.chunks, None)) is not None:
                await ready.send(chunk)
