"""Durability against the real server: `kill -9` in the middle of a burst of modifications loses
no acknowledged entry, duplicates none, and leaves the interrupted ones `unknown`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.domain.groups.models import Group
from callmanager.migrate import upgrade
from callmanager.services import Services
from tests import clock
from tests.conftest import make_settings
from tests.factories import PASSWORD, make_tenant, make_user

pytestmark = pytest.mark.slow

EMAIL = "writer@contoso.example"
BURST = 400
WORKERS = 16
KILL_AFTER = 40
"""Responses to wait for before killing the server: the burst is then in full flight."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`callmanager serve` in a subprocess of its own session, so `kill -9` hits all of it."""

    def __init__(self, var_dir: Path, database_url: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CALLMANAGER_DATABASE_URL": database_url,
            "CALLMANAGER_VAR_DIR": str(var_dir),
            "CALLMANAGER_SECRET_KEY": "durability-test-key",
            "CALLMANAGER_SCHEDULER_ENABLED": "false",
            "CALLMANAGER_LOG_LEVEL": "warning",
        }
        self.log = var_dir / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = clock.python_command(
            "callmanager.cli", "serve", "--port", str(self.port), "--no-access-log"
        )
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base}/api/v1/auth/me", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"the server did not start: {self.log.read_text()}")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


def _logged_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    response = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def _burst(server: Server, tenant: uuid.UUID, prefix: str) -> dict[str, int | None]:
    """POST `BURST` groups from `WORKERS` threads; kill -9 the server once `KILL_AFTER` answered.

    Returns each group name's response status (None: no response, the server was gone)."""
    client = _logged_in(server.base)
    outcomes: dict[str, int | None] = {}
    answered = threading.Semaphore(0)

    def create(n: int) -> None:
        name = f"{prefix}-{n:04d}"
        try:
            response = client.post(f"/api/v1/tenants/{tenant}/groups", json={"name": name})
            outcomes[name] = response.status_code
            answered.release()
        except httpx.TransportError:
            outcomes[name] = None

    with ThreadPoolExecutor(WORKERS) as pool:
        for n in range(BURST):
            pool.submit(create, n)
        for _ in range(KILL_AFTER):
            assert answered.acquire(timeout=30), "the server stopped answering"
        server.kill()
    client.close()
    return outcomes


def _log(base: str, tenant: uuid.UUID, **params: Any) -> list[dict[str, Any]]:
    client = _logged_in(base)
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(
            f"/api/v1/tenants/{tenant}/audit-log",
            params={"limit": 200, **params, **({"cursor": cursor} if cursor else {})},
        ).json()
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            client.close()
            return found


def test_a_kill_mid_burst_loses_no_acknowledged_modification(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'callmanager.db'}"
    upgrade(database_url)
    services: Services = create_app(make_settings(database_url, tmp_path)).state.services
    tenant = make_tenant(services)
    make_user(services, tenant, EMAIL, Role.WRITER)
    services.engine.dispose()
    services.audit_store.close()

    server = Server(tmp_path, database_url)
    outcomes: dict[str, int | None] = {}
    try:
        for attempt in range(3):  # a kill may land when nothing is in flight; then try again
            server.start()
            outcomes.update(_burst(server, tenant, f"burst{attempt}"))
            server.start()
            entries = _log(server.base, tenant, action_type="create")
            server.stop()
            if any(e["outcome"] == "unknown" for e in entries):
                break
    finally:
        server.stop()

    by_name = {e["resource"]["name"]: e for e in entries}
    acknowledged = {name for name, status in outcomes.items() if status == 201}
    assert acknowledged, "some modifications were acknowledged before the kill"
    assert any(status is None for status in outcomes.values()), "the kill interrupted the burst"

    assert len({e["id"] for e in entries}) == len(entries)
    assert Counter(e["summary"] for e in entries).most_common(1)[0][1] == 1, "no duplicates"
    for name in acknowledged:
        assert (by_name[name]["status"], by_name[name]["outcome"]) == (201, "succeeded")
    interrupted = [e for name, e in by_name.items() if outcomes.get(name) is None]
    assert {e["outcome"] for e in interrupted} <= {"unknown", "succeeded"}
    assert any(e["outcome"] == "unknown" for e in entries)
    for entry in entries:
        if entry["outcome"] == "unknown":
            assert entry["status"] is None
            assert entry["summary"] == (
                "Outcome unknown: the change may have been made \u2014 "
                f"create group '{entry['resource']['name']}'"
            )

    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored_groups = set(conn.scalars(select(Group.name)))
    engine.dispose()
    assert stored_groups <= set(by_name), "every change that was made has its entry"
