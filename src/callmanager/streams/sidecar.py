"""Log stream delivery in a process of its own, started and stopped by the serving process.

Delivering is work for the interpreter: reading pages, framing events, sending them. In the
serving process it takes turns with the requests for the interpreter's lock, however idle the
machine's other cores. So by default (`stream_delivery = "process"`) each serving process runs
its deliverer in a child, `python -m callmanager.streams.sidecar`, on the same settings and
database: the leases, cursors and guarantees are the deliverer's own (`delivery`), only the
process differs. Between the two, one socket carries a JSON line a message:

- to the child: `{"settings": …}` first, then `{"grew": {tenant: count}}` when the audit writer
  placed entries (the child's streams wake at once, as in process), `{"look": true}` when a
  stream was made or resumed here;
- to the parent: `{"ready": true}` once it delivers, then `{"lag": [stream, seconds]}` for the
  metrics.

The parent stops the child by SIGTERM: a child still starting (importing, before its deliverer
runs) holds no lease and ends at once, by the signal's default action; a running one has a
handler by then, and finishes its rounds and lets go of its leases, as it does when a service
manager sends SIGTERM to every process of the service. The child dies with its parent
(`PR_SET_PDEATHSIG`): a server killed mid-delivery leaves the stream's cursor before the batch,
as one process would. A child that exits otherwise is started again after `RESTART_S`; the
stream's lease meanwhile lets another process take it over.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import logging.config
import os
import signal
import socket
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from asgi_audit import AuditEvent, SqlAuditStore
from callmanager.db import make_engine, make_session_factory
from callmanager.settings import Settings
from callmanager.streams.delivery import STOP_WAIT_S, Deliverer

log = logging.getLogger("callmanager.streams")

RESTART_S = 5.0
"""How long after an unexpected exit the child is started again."""
EXIT_WAIT_S = STOP_WAIT_S + 5.0
"""How long stopping waits for the child to finish its rounds and let go of its leases."""
POOL_SIZE = 4
"""The child's database connections: lease reads and moves, and the pages read."""
_PR_SET_PDEATHSIG = 1


class DeliveryProcess:
    """The serving process's side: the child's supervisor, and where the audit writer's
    `logs_grew` and the API's `look_now` reach it (a `WriterObserver`, as `Wakes` is)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.on_lag: Callable[[uuid.UUID, float], None] | None = None
        """Told each round how far a stream is behind (the child's figures), as in process."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self.ready = False
        """The current child delivers (it said so); False while it starts."""
        self.returncode: int | None = None
        """How the child exited when `stop` ended it (`-signal.SIGTERM`: while it started)."""

    @property
    def observer(self) -> DeliveryProcess:
        return self

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        process = self._process
        return None if process is None or process.returncode is not None else process.pid

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._supervisor = asyncio.create_task(self._supervise(), name="log-streams-process")

    async def stop(self) -> None:
        """Stop the child by SIGTERM (one still starting ends at once; a running one ends its
        rounds and lets go of its leases), wait for it, then kill it if it has not exited."""
        self._stopping.set()
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), EXIT_WAIT_S)
            except TimeoutError:
                log.error("log streams: the delivery process did not stop in time; killed")
                process.kill()
                await process.wait()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        process = self._process
        if process is not None and process.returncode is None:  # started as we stopped
            process.kill()
            await process.wait()
        self.returncode = None if process is None else process.returncode

    def look_now(self) -> None:
        """A stream was made or resumed here: the child looks for it now; any thread."""
        self._threadsafe({"look": True})

    # -- `asgi_audit.observer.WriterObserver`, called from the writer's thread ------------------

    def logs_grew(self, tenants: Mapping[uuid.UUID, int]) -> None:
        self._threadsafe({"grew": {str(tenant): count for tenant, count in tenants.items()}})

    def batch_taken(self, size: int, queue_depth: int) -> None:
        """Not needed: the child waits for placed entries only."""

    def batch_written(
        self, inserts: Sequence[AuditEvent], completions: int, seconds: float
    ) -> None:
        """Not needed: `logs_grew` follows it."""

    def durable_waited(self, seconds: float, refused: bool) -> None:
        """Not needed."""

    # -- the parent's loop -----------------------------------------------------------------------

    def _threadsafe(self, message: dict[str, Any]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._send, message)

    def _send(self, message: dict[str, Any]) -> None:
        writer = self._writer
        if writer is not None and not writer.is_closing():
            writer.write(orjson.dumps(message) + b"\n")

    async def _supervise(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._run_child()
            except Exception:
                log.exception("log streams: the delivery process could not be run")
            if self._stopping.is_set():
                return
            log.error("log streams: the delivery process exited; starting it again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), RESTART_S)

    async def _run_child(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            # Started from the loop's thread: the child dies with this thread (`_die_with`).
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                __name__,
                str(theirs.fileno()),
                str(os.getpid()),
                pass_fds=(theirs.fileno(),),
            )
        finally:
            theirs.close()
        self.ready = False
        reader, self._writer = await asyncio.open_connection(sock=ours)
        self._send({"settings": self.settings.model_dump(mode="json")})
        try:
            async for line in reader:
                self._received(line)
        finally:
            self._writer.close()
            self._writer = None
            if not self._stopping.is_set():
                await self._process.wait()

    def _received(self, line: bytes) -> None:
        try:
            message = orjson.loads(line)
            if message.get("ready") is True:
                self.ready = True
                return
            stream, seconds = message["lag"]
            if self.on_lag is not None:
                self.on_lag(uuid.UUID(stream), float(seconds))
        except (ValueError, KeyError, TypeError):
            log.warning("log streams: the delivery process sent what it should not")


# -- the child -----------------------------------------------------------------------------------


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent exits (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it exited before the request was made
        os._exit(0)


async def _serve(sock: socket.socket, parent: int) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    first = orjson.loads(await reader.readline())
    settings = Settings.model_validate(first["settings"])
    from callmanager.logs import log_config  # here: callmanager.logs imports back into us

    logging.config.dictConfig(log_config(settings.log_level))
    engine = make_engine(settings.resolved_database_url, pool_size=POOL_SIZE)
    store = SqlAuditStore.from_url(settings.resolved_audit_database_url)
    deliverer = Deliverer(make_session_factory(engine), store, settings, pid=parent)

    def lag(stream: uuid.UUID, seconds: float) -> None:
        if not writer.is_closing():
            writer.write(orjson.dumps({"lag": [str(stream), seconds]}) + b"\n")

    deliverer.on_lag = lag
    stopping = asyncio.Event()
    # From here on SIGTERM stops in order; before, it ended the process (no lease was held).
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await deliverer.start()
    writer.write(orjson.dumps({"ready": True}) + b"\n")
    listening = asyncio.create_task(_listen(reader, deliverer, stopping))
    try:
        await stopping.wait()
    finally:
        listening.cancel()
        await deliverer.stop()
        store.close()
        engine.dispose()
        writer.close()
        with contextlib.suppress(asyncio.CancelledError):
            await listening  # a message it could not read ends the child: it is started again


async def _listen(reader: asyncio.StreamReader, deliverer: Deliverer, ended: asyncio.Event) -> None:
    """The parent's messages, until it is gone (the end of the socket)."""
    try:
        async for line in reader:
            message = orjson.loads(line)
            if "grew" in message:
                grew = {uuid.UUID(t): int(n) for t, n in message["grew"].items()}
                deliverer.wakes.logs_grew(grew)
            elif "look" in message:
                deliverer.look_now()
    finally:
        ended.set()


def main(argv: list[str] | None = None) -> None:
    """`python -m callmanager.streams.sidecar FD PARENT_PID`, started by `DeliveryProcess`."""
    fd, parent = (int(a) for a in (argv or sys.argv[1:]))
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C: the parent stops us
    asyncio.run(_serve(socket.socket(fileno=fd), parent))


if __name__ == "__main__":
    main()
