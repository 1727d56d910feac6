"""The real service under uvicorn in a subprocess: one worker, uvloop, httptools, no access log."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from benchmarks.config import ROOT
from callmanager.logs import log_config

PROFILE_DIR_VAR = "CALLMANAGER_BENCH_PROFILE_DIR"
"""When set (`python -m benchmarks --profile`), py-spy records every server into this folder."""
SECRET_KEY = "benchmark-secret-key-not-for-production"  # noqa: S105 - throwaway servers only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`uvicorn callmanager.app:create_app --factory` configured through `CALLMANAGER_*`."""

    def __init__(
        self,
        database_url: str,
        *,
        audit: bool = True,
        workers: int = 1,
        service_log: bool = False,
        **settings: str,
    ) -> None:
        self.workers = workers
        """uvicorn worker processes (`--workers`); the scaling scenario compares 1 and 2."""
        self.service_log = service_log
        """Log as `callmanager serve` does at `info`: a JSON line per request (into `log_path`)."""
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._var_dir = tempfile.TemporaryDirectory(prefix="cm-bench-")
        self.log_path = Path(self._var_dir.name) / "server.log"
        self.env = {
            **os.environ,
            "CALLMANAGER_DATABASE_URL": database_url,
            "CALLMANAGER_AUDIT_ENABLED": "true" if audit else "false",
            "CALLMANAGER_SCHEDULER_ENABLED": "false",
            "CALLMANAGER_SECRET_KEY": SECRET_KEY,
            "CALLMANAGER_VAR_DIR": self._var_dir.name,
            "CALLMANAGER_LOG_LEVEL": "warning",
            **{f"CALLMANAGER_{k.upper()}": v for k, v in settings.items()},
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._profiler: subprocess.Popen[bytes] | None = None
        self.label = "audit-on" if audit else "audit-off"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60.0) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process without waiting for it (see `started` for several at once)."""
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "callmanager.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        if self.service_log:
            config = Path(self._var_dir.name) / "log-config.json"
            config.write_text(json.dumps(log_config("info", json_lines=True)))
            command += ["--log-config", str(config)]
        if self.workers > 1:
            # A loaded machine may take longer than uvicorn's 5 s to import a worker's app.
            command += ["--workers", str(self.workers), "--timeout-worker-healthcheck", "60"]
        with self.log_path.open("wb") as log:  # the server keeps its own copy of the handle
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.log()}")
            try:
                httpx.get(f"{self.base_url}/api/v1/auth/me", timeout=1.0)
                self._profile()
                return
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not start in {timeout} s:\n{self.log()}")

    def _profile(self) -> None:
        folder = os.environ.get(PROFILE_DIR_VAR)
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        out = Path(folder) / f"{time.strftime('%H%M%S')}-{self.label}-{self.pid}.speedscope.json"
        py_spy = Path(sys.executable).parent / "py-spy"
        self._profiler = subprocess.Popen(
            [str(py_spy), "record", "-p", str(self.pid), "-o", str(out), "-f", "speedscope"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def ask_to_stop(self) -> None:
        """SIGTERM (the server drains its audit writer), without waiting for it to exit."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        """Graceful shutdown (`ask_to_stop`), then kill if it hangs."""
        if self.process is None:
            return
        self.ask_to_stop()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        if self._profiler is not None:  # py-spy writes its file once the server has gone
            self._profiler.wait(60)
            self._profiler = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def rss_bytes(self) -> tuple[int, int]:
        """(current RSS, peak RSS since start or `reset_peak`) of the server process."""
        fields = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) * 1024
        return fields["VmRSS"], fields["VmHWM"]

    def reset_peak(self) -> None:
        """Reset the kernel's peak-RSS counter of the server (Linux `clear_refs` 5)."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._var_dir.cleanup()


@contextlib.contextmanager
def started(*servers: Server) -> Iterator[tuple[Server, ...]]:
    """Several servers started side by side (their imports overlap), all stopped afterwards."""
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.callback(server.__exit__, None, None, None)
            server.launch()
        # Run first on the way out: every server is asked to stop before any is waited for,
        # so their shutdowns (each drains its audit writer) overlap too.
        for server in servers:
            stack.callback(server.ask_to_stop)
        for server in servers:
            server.wait_ready()
        yield servers
