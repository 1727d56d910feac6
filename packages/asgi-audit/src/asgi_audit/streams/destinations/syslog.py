"""The syslog destination: RFC 5424 messages, octet-counted (RFC 6587), over TCP or TLS (RFC 5425).

One connection is kept open between batches and opened again after any failure. With `tls` the
server's certificate is verified (against `ca_pem` when given, else the system's trust store) and
its name checked; a client certificate is presented when one is given. `send` returns once every
frame of the batch is written and drained: what TCP can promise, and what the stream's cursor
waits for.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from asgi_audit.streams.destinations.checks import checked_host
from asgi_audit.streams.destinations.rfc5424 import FACILITY_LOG_AUDIT, MessageWriter
from asgi_audit.streams.formats import StreamFormat
from asgi_audit.streams.types import DeliveryError, Product, StreamEvent

DRAIN_AT = 256 * 1024
"""Frames are written on until this much waits for the socket, then drained (a wait, with a
timer, per frame cost more than the frame)."""


class SyslogDestination:
    """A syslog receiver over TCP, with TLS when `tls`."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        fmt: StreamFormat,
        product: Product,
        tls: bool,
        ca_pem: str | None = None,
        client_cert_pem: str | None = None,
        client_key_pem: str | None = None,
        allow_private: bool,
        hostname: str | None = None,
        app_name: str = "callmanager",
        facility: int = FACILITY_LOG_AUDIT,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.allow_private = allow_private
        self.timeout = timeout
        self.messages = MessageWriter(
            fmt,
            product,
            hostname=hostname or socket.gethostname(),
            app_name=app_name,
            facility=facility,
        )
        self._tls = tls_context(ca_pem, client_cert_pem, client_key_pem) if tls else None
        self._writer: asyncio.StreamWriter | None = None
        self._reader: asyncio.StreamReader | None = None

    async def send(self, batch: Sequence[StreamEvent]) -> str:
        """Write every event of `batch` as one frame each; returns once all are drained.

        The timeout bounds each wait for the receiver to take more, not the whole batch: a big
        batch to a slow receiver that keeps reading is not an error."""
        writer = await self._connection()
        try:
            # Frames go to the socket together, up to `DRAIN_AT` at a time: a write per frame
            # was a system call per event.
            for frames in _runs(map(self.messages.frame, batch)):
                writer.write(frames)
                if writer.transport.get_write_buffer_size() >= DRAIN_AT:
                    async with asyncio.timeout(self.timeout):
                        await writer.drain()
            async with asyncio.timeout(self.timeout):
                await _flushed(writer)
        except (OSError, TimeoutError) as exc:
            await self.aclose()
            raise DeliveryError(f"writing to {self._where} failed: {_reason(exc)}") from exc
        return f"{len(batch)} messages written"

    async def aclose(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is None:
            return
        writer.close()
        try:
            async with asyncio.timeout(self.timeout):
                await writer.wait_closed()
        except (OSError, TimeoutError):
            pass  # the connection is gone either way

    async def _connection(self) -> asyncio.StreamWriter:
        """The open connection, or a new one if there is none or the server closed it (a
        receiver never talks back, so anything it sent means the end)."""
        if self._writer is not None and self._reader is not None:
            # Let the loop read what arrived while it was busy: an EOF waiting in the socket
            # is only seen once its read callback has run, which takes two turns of the loop.
            for _ in range(2):
                await asyncio.sleep(0)
            if not (self._reader.at_eof() or self._writer.is_closing()):
                return self._writer
            await self.aclose()
        await checked_host(self.host, self.port, allow_private=self.allow_private)
        try:
            async with asyncio.timeout(self.timeout):
                self._reader, self._writer = await asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=self._tls,
                    server_hostname=self.host if self._tls else None,
                    ssl_handshake_timeout=self.timeout if self._tls else None,
                )
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(f"connecting to {self._where} failed: {_reason(exc)}") from exc
        return self._writer

    @property
    def _where(self) -> str:
        return f"{'tls' if self._tls else 'tcp'}://{self.host}:{self.port}"


def _runs(frames: Iterable[bytes]) -> Iterator[bytes]:
    """Consecutive frames joined, each run `DRAIN_AT` bytes or just over (a frame is never
    split)."""
    run: list[bytes] = []
    size = 0
    for frame in frames:
        run.append(frame)
        size += len(frame)
        if size >= DRAIN_AT:
            yield b"".join(run)
            run, size = [], 0
    if run:
        yield b"".join(run)


async def _flushed(writer: asyncio.StreamWriter) -> None:
    """Wait until every byte is handed to the kernel: `drain` only waits until the buffer is
    below its high-water mark, and the batch must be written when `send` returns."""
    while writer.transport.get_write_buffer_size():
        if writer.is_closing():
            raise ConnectionResetError("the connection closed before the batch was written")
        await asyncio.sleep(0.001)


def tls_context(
    ca_pem: str | None, client_cert_pem: str | None, client_key_pem: str | None
) -> ssl.SSLContext:
    """A client context that verifies the server (against `ca_pem` alone when given) and
    presents the client certificate when given; TLS 1.2 at least (RFC 9662).

    Raises `ValueError` saying which PEM is unusable (never quoting it): a host validates a
    stream's settings by building its context."""
    try:
        context = ssl.create_default_context(cadata=ca_pem or None)
    except (ssl.SSLError, ValueError) as exc:
        raise ValueError("ca_pem is not a PEM CA certificate") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if client_cert_pem:
        try:
            _load_client_certificate(context, client_cert_pem, client_key_pem)
        except (ssl.SSLError, ValueError) as exc:
            raise ValueError(
                "client_cert_pem and client_key_pem are not a PEM certificate and its "
                "unencrypted private key"
            ) from exc
    elif client_key_pem:
        raise ValueError("client_key_pem needs client_cert_pem")
    return context


def _load_client_certificate(context: ssl.SSLContext, cert_pem: str, key_pem: str | None) -> None:
    """`ssl` loads a certificate chain from files only: written for the moment to a directory
    only this user can read, and removed at once."""
    with tempfile.TemporaryDirectory(prefix="syslog-client-") as directory:
        cert_path = os.path.join(directory, "cert.pem")
        key_path = os.path.join(directory, "key.pem") if key_pem else None
        for path, pem in ((cert_path, cert_pem), (key_path, key_pem)):
            if path is not None and pem is not None:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w") as file:
                    file.write(pem)
        # A password callback, so that an encrypted key fails here instead of prompting.
        context.load_cert_chain(cert_path, key_path, password=lambda: b"")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's certificate was refused ({exc.verify_message})"
    return str(exc) or type(exc).__name__
