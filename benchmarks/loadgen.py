"""A bounded closed-loop HTTP/1.1 load generator, run in a process of its own.

A fixed number of keep-alive connections each send their next request as soon as the previous
response is read, for a warm-up and then a fixed measured duration; it then stops by itself.
Raw asyncio streams on uvloop keep the client's own cost per request far below the server's.

    python -m benchmarks.loadgen < spec.json > result.json
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from benchmarks.config import ROOT
from benchmarks.stats import ms, percentile


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    errors: int
    statuses: dict[str, int]
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float


def _spec(
    port: int, per_connection: list[list[Request]], seconds: float, warmup: float, host: str
) -> bytes:
    spec = {
        "host": host,
        "port": port,
        "seconds": seconds,
        "warmup": warmup,
        "connections": [
            [r.encode(f"{host}:{port}").decode("latin-1") for r in requests]
            for requests in per_connection
        ],
    }
    return json.dumps(spec).encode()


def start_load(
    port: int, per_connection: list[list[Request]], *, host: str = "127.0.0.1"
) -> subprocess.Popen[bytes]:
    """Background load until the returned process is terminated (its result is not read)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.loadgen"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    assert process.stdin is not None
    process.stdin.write(_spec(port, per_connection, 3600.0, 0.0, host))
    process.stdin.close()
    return process


def run_load(
    port: int,
    per_connection: list[list[Request]],
    *,
    seconds: float,
    warmup: float,
    host: str = "127.0.0.1",
) -> LoadResult:
    """Drive the server at `host:port` with one connection per request list (each cycled)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadgen"],
        input=_spec(port, per_connection, seconds, warmup, host),
        capture_output=True,
        cwd=ROOT,
        check=False,
        timeout=seconds + warmup + 120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr.decode(errors='replace')}")
    return LoadResult(**json.loads(done.stdout))


# -- the generator process -----------------------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = -1
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length > 0:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str,
    port: int,
    requests: list[bytes],
    measure_from: float,
    until: float,
    latencies: list[float],
    statuses: Counter[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        n = 0
        while True:
            started = time.perf_counter()
            if started >= until:
                return
            writer.write(requests[n % len(requests)])
            n += 1
            status = await _read_response(reader)
            if started >= measure_from:
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
    finally:
        writer.close()


async def _main(spec: dict[str, Any]) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    start = time.perf_counter()
    measure_from = start + spec["warmup"]
    until = measure_from + spec["seconds"]
    await asyncio.gather(
        *(
            _connection(
                spec["host"],
                spec["port"],
                [r.encode("latin-1") for r in requests],
                measure_from,
                until,
                latencies,
                statuses,
            )
            for requests in spec["connections"]
        )
    )
    # Requests in flight at `until` finish late and count: the window is what they spanned.
    elapsed = time.perf_counter() - measure_from
    errors = sum(n for status, n in statuses.items() if status >= 400)
    return {
        "requests": len(latencies),
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
    }


def main() -> None:
    import uvloop  # comes with uvicorn[standard]

    spec = json.loads(sys.stdin.read())
    print(json.dumps(uvloop.run(_main(spec))))


if __name__ == "__main__":
    main()
