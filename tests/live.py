"""`callmanager serve` in a subprocess on a free port, with its stdout and stderr kept apart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    """A running `callmanager serve`: its base URL, environment, and what it wrote so far."""

    def __init__(self, var_dir: Path, env: dict[str, str], port: int) -> None:
        self.var_dir = var_dir
        self.env = env
        self.base_url = f"http://127.0.0.1:{port}"
        self.stdout_path = var_dir / f"serve-{port}.out"
        self.stderr_path = var_dir / f"serve-{port}.err"
        self.process: subprocess.Popen[bytes] | None = None
        """The server process, for tests that kill it."""

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def cli(self, *args: str) -> str:
        """Run `callmanager ARGS` on this server's database; returns what it printed."""
        done = subprocess.run(
            [sys.executable, "-m", "callmanager.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


@contextmanager
def serve(
    var_dir: Path,
    database_url: str,
    *args: str,
    log_level: str = "info",
    env: dict[str, str] | None = None,
) -> Iterator[Served]:
    """Start `callmanager serve ARGS` on `database_url`, wait until it answers, stop it after;
    `env` adds to (or overrides) the environment it runs in."""
    port = free_port()
    env = {
        **os.environ,
        "CALLMANAGER_DATABASE_URL": database_url,
        "CALLMANAGER_VAR_DIR": str(var_dir),
        "CALLMANAGER_SECRET_KEY": "live-server-test-key",
        "CALLMANAGER_SCHEDULER_ENABLED": "false",
        "CALLMANAGER_LOG_LEVEL": log_level,
        **(env or {}),
    }
    served = Served(var_dir, env, port)
    command = [sys.executable, "-m", "callmanager.cli", "serve", "--port", str(port), *args]
    with served.stdout_path.open("wb") as out, served.stderr_path.open("wb") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
    served.process = process
    try:
        _wait_until_up(served, process)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(served: Served, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90  # a loaded machine may take long to import the app
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{served.stdout()}{served.stderr()}")
        try:
            httpx.get(served.base_url + "/api/v1/auth/me", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not start:\n{served.stdout()}{served.stderr()}")
