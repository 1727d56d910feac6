"""Delivery from a process of its own (`stream_delivery = "process"`, the default): the server's
writes wake it at once, its lag reaches the server's metrics, its lease names the server, and
one that dies is started again. (That it dies with a server killed mid-delivery is shown by
`test_processes.py`, whose servers run it: a child left alive would move the cursor past the
interrupted batch.)"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.settings import Settings
from callmanager.streams.models import LogStream
from callmanager.streams.sidecar import DeliveryProcess
from tests.conftest import LoginAs
from tests.factories import LoggedIn
from tests.integration.streams.test_delivery import (
    delivery_settings,
    head,
    make_groups,
    stream_to,
    wait_for,
)
from tests.waiting import until
from tests.webhook_receiver import Receiver, webhook_receiver

pytestmark = pytest.mark.slow  # each test starts delivery processes

METRICS_TOKEN = "metrics-test-token"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # A poll far longer than the tests wait: only the server's wake-ups deliver in time.
    return delivery_settings(
        database_url,
        tmp_path,
        stream_delivery="process",
        stream_poll_s=60,
        stream_lease_s=2,
        metrics_token=METRICS_TOKEN,
    )


def delivery_process(services: Services) -> DeliveryProcess:
    assert isinstance(services.deliverer, DeliveryProcess)
    return services.deliverer


def lease_holder(services: Services, stream_id: str) -> str | None:
    with services.session_factory() as session:
        row = session.scalars(select(LogStream).where(LogStream.id == uuid.UUID(stream_id))).one()
        return row.lease_holder


def delivering(owner: LoggedIn, services: Services, receiver: Receiver) -> dict[str, Any]:
    """A stream to `receiver` that delivered its first entries."""
    stream = stream_to(owner, receiver)
    make_groups(owner, 2)
    first = head(services, owner)
    wait_for(lambda: first in receiver.seqs(), "the first entries arrived", timeout=15)
    return stream


def test_the_server_s_writes_wake_its_delivery_process_at_once(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    process = delivery_process(services)
    with webhook_receiver() as receiver:
        stream = delivering(owner, services, receiver)
        make_groups(owner, 3, "Later")
        last = head(services, owner)
        wait_for(lambda: last in receiver.seqs(), "the later entries arrived", timeout=10)
        assert receiver.seqs()[: last + 1] == list(range(last + 1))
        assert all(d.verified for d in receiver.deliveries)
        # The child delivers; its lease names the server it serves.
        assert process.pid is not None
        assert process.pid != os.getpid()
        holder = lease_holder(services, stream["id"])
        assert holder is not None
        assert holder.split(":")[1] == str(os.getpid())
        metrics = owner.client.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        ).text
        assert f'callmanager_audit_stream_lag_seconds{{stream="{stream["id"]}"}}' in metrics


def test_a_delivery_process_that_dies_is_started_again_and_delivers(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    process = delivery_process(services)
    with webhook_receiver() as receiver:
        delivering(owner, services, receiver)
        killed = process.pid
        assert killed is not None
        os.kill(killed, signal.SIGKILL)
        wait_for(lambda: process.pid not in (None, killed), "a new delivery process", timeout=20)
        make_groups(owner, 2, "After")
        last = head(services, owner)
        # The killed child's lease lapses (2 s), then the new one takes the stream.
        wait_for(lambda: last in receiver.seqs(), "the entries after the kill arrived", timeout=20)
        assert set(receiver.seqs()) == set(range(last + 1))


def _stopped_once(
    settings: Settings, condition: Callable[[DeliveryProcess], bool]
) -> DeliveryProcess:
    """A delivery process started, stopped as soon as `condition` holds of it, and returned."""

    async def start_and_stop() -> DeliveryProcess:
        process = DeliveryProcess(settings)
        await process.start()
        try:
            await until(lambda: condition(process), timeout_s=30)
        finally:
            await process.stop()
        return process

    return asyncio.run(start_and_stop())


def test_a_delivery_process_stopped_while_it_starts_ends_at_once_holding_nothing(
    settings: Settings,
) -> None:
    process = _stopped_once(settings, lambda p: p.pid is not None)
    # Ended by the signal itself: it had not yet reached the point where it takes leases.
    assert not process.ready
    assert process.returncode == -signal.SIGTERM


def test_a_running_delivery_process_stopped_ends_its_rounds_in_order(settings: Settings) -> None:
    process = _stopped_once(settings, lambda p: p.ready)
    assert process.returncode == 0
