"""Streams across real server processes: a server killed with SIGKILL in the middle of a
delivery resumes at its cursor when started again (every seq at least once, no gap, repeats only
from the interrupted batch), and two servers on one PostgreSQL deliver a stream one at a time,
the survivor taking it over when its holder is killed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from asgi_audit import SqlAuditStore
from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.services import Services
from tests.conftest import make_settings
from tests.databases import migrated_database
from tests.factories import PASSWORD, make_tenant, make_user
from tests.live import Served, serve
from tests.webhook_receiver import Receiver, webhook_receiver

pytestmark = pytest.mark.slow

EMAIL = "owner@contoso.example"


@pytest.fixture(autouse=True)
def stream_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the servers the tests start deliver with: fast polls, a short lease."""
    for name, value in {
        "STREAMS_ALLOW_PRIVATE": "true",
        "STREAM_POLL_S": "0.05",
        "STREAM_BATCH_S": "0.05",
        "STREAM_LEASE_S": "3.5",
        "STREAM_TIMEOUT_S": "1",
        "AUDIT_FLUSH_INTERVAL_S": "0.05",
    }.items():
        monkeypatch.setenv(f"CALLMANAGER_{name}", value)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def tenant_with_owner(url: str, tmp_path: Path) -> uuid.UUID:
    services = Services.build(make_settings(url, tmp_path, streams_enabled=False))
    tenant = make_tenant(services)
    make_user(services, tenant, EMAIL, Role.OWNER)
    services.engine.dispose()
    services.audit_store.close()
    return tenant


@contextmanager
def owner_client(server: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        login = {"email": EMAIL, "password": PASSWORD}
        response = client.post("/api/v1/auth/login", json=login)
        assert response.status_code == 200, response.text
        client.headers[CSRF_HEADER] = response.json()["csrf_token"]
        yield client


def create_stream(client: httpx.Client, tenant: uuid.UUID, receiver: Receiver) -> dict[str, Any]:
    body = {
        "name": "SOC",
        "destination": {"kind": "webhook", "url": receiver.url},
        "start": {"from_seq": 0},
    }
    response = client.post(f"/api/v1/tenants/{tenant}/audit-log/streams", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receiver.secret = created["secret"]
    return created


def make_groups(client: httpx.Client, tenant: uuid.UUID, prefix: str, n: int) -> None:
    for i in range(n):
        body = {"name": f"{prefix} {i}"}
        response = client.post(f"/api/v1/tenants/{tenant}/groups", json=body)
        assert response.status_code == 201, response.text


def head(store: SqlAuditStore, tenant: uuid.UUID) -> int:
    found = store.log_head(tenant)
    return -1 if found is None else found.seq


def wait_until_delivered(receiver: Receiver, store: SqlAuditStore, tenant: uuid.UUID) -> int:
    """Until the receiver has the log's head, the log having stopped growing; returns it."""
    last = -2
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = head(store, tenant)
        if now == last and now in receiver.seqs():
            return now
        last = now
        time.sleep(0.3)
    raise AssertionError(f"the receiver did not get the head {last}: {receiver.seqs()}")


def check_complete(receiver: Receiver, last: int, interrupted: list[int]) -> None:
    """Every seq up to `last` arrived; anything that came twice was in the interrupted batch."""
    seqs = receiver.seqs()
    assert set(range(last + 1)) <= set(seqs), sorted(set(range(last + 1)) - set(seqs))
    repeated = {s for s in seqs if seqs.count(s) > 1}
    assert repeated <= set(interrupted), (repeated, interrupted)
    assert all(d.verified for d in receiver.deliveries)


def test_a_server_killed_mid_delivery_resumes_at_its_cursor(tmp_path: Path) -> None:
    with migrated_database("sqlite", tmp_path) as url, webhook_receiver() as receiver:
        tenant = tenant_with_owner(url, tmp_path)
        receiver.hold_at = 1
        with serve(tmp_path, url) as first, owner_client(first) as client:
            stream = create_stream(client, tenant, receiver)
            make_groups(client, tenant, "Before", 4)
            wait_for(lambda: len(receiver.deliveries) == 1, "the first batch arrived")
            make_groups(client, tenant, "During", 4)
            wait_for(receiver.holding.is_set, "the second batch is in flight")
            assert first.process is not None
            first.process.kill()  # SIGKILL: no shutdown, no lease released
            first.process.wait()
        receiver.release.set()
        wait_for(lambda: len(receiver.deliveries) > 1, "the held delivery is kept")
        interrupted = [e["seq"] for e in receiver.deliveries[1].events]

        with serve(tmp_path, url) as second, owner_client(second) as client:
            make_groups(client, tenant, "After", 4)
            store = SqlAuditStore.from_url(url)
            try:
                last = wait_until_delivered(receiver, store, tenant)
            finally:
                store.close()
            health = client.get(
                f"/api/v1/tenants/{tenant}/audit-log/streams/{stream['id']}"
            ).json()["health"]
        check_complete(receiver, last, interrupted)
        # Its cursor was before the batch the kill interrupted: that batch came again.
        assert interrupted
        assert all(receiver.seqs().count(s) == 2 for s in interrupted)
        assert health["status"] == "active"
        logged = first.stdout() + first.stderr() + second.stdout() + second.stderr()
        assert stream["secret"] not in logged
        assert stream["secret"].removeprefix("whsec_") not in logged


def _holder(url: str, stream_id: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT lease_holder FROM log_streams WHERE id = :id"),
                {"id": uuid.UUID(stream_id)},
            ).scalar()
    finally:
        engine.dispose()
    return None if found is None else str(found)


@pytest.mark.postgres
def test_two_servers_on_one_postgresql_deliver_a_stream_once_and_take_it_over(
    tmp_path: Path,
) -> None:
    with migrated_database("postgres", tmp_path) as url, webhook_receiver() as receiver:
        tenant = tenant_with_owner(url, tmp_path)
        store = SqlAuditStore.from_url(url)
        with ExitStack() as servers:
            a = servers.enter_context(serve(tmp_path, url))
            b = servers.enter_context(serve(tmp_path, url))
            by_pid = {a.process.pid: a, b.process.pid: b}  # type: ignore[union-attr]
            with owner_client(a) as client_a, owner_client(b) as client_b:
                stream = create_stream(client_a, tenant, receiver)
                make_groups(client_a, tenant, "A", 6)
                make_groups(client_b, tenant, "B", 6)
                first_last = wait_until_delivered(receiver, store, tenant)
                # Both servers were up the whole time: no entry was sent twice.
                check_complete(receiver, first_last, interrupted=[])
                holder = _holder(url, stream["id"])
                assert holder is not None
                pid = int(holder.split(":")[1])
                holding, other = by_pid[pid], by_pid[next(p for p in by_pid if p != pid)]
                sent_before = len(receiver.deliveries)
                receiver.hold_at = sent_before
                survivor = client_b if other is b else client_a
                make_groups(survivor, tenant, "More", 3)
                wait_for(receiver.holding.is_set, "a delivery is in flight")
                assert holding.process is not None
                holding.process.kill()
                holding.process.wait()
                receiver.release.set()
                wait_for(lambda: len(receiver.deliveries) > sent_before, "the held one is kept")
                interrupted = [e["seq"] for e in receiver.deliveries[sent_before].events]
                make_groups(survivor, tenant, "Later", 3)
                last = wait_until_delivered(receiver, store, tenant)
                taken = _holder(url, stream["id"])
        store.close()
        check_complete(receiver, last, interrupted)
        assert interrupted
        assert all(receiver.seqs().count(s) == 2 for s in interrupted)
        assert taken is not None
        assert int(taken.split(":")[1]) == other.process.pid  # type: ignore[union-attr]
