"""What wakes a stream: this process's writes do, at once, and a woken stream gathers what
arrives within its window into one batch; without writes it does not read the log (the
fallback look, for other processes' writes, is set far off here)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from asgi_audit.testing import make_event
from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import LoginAs, make_settings
from tests.integration.streams.test_delivery import head, make_groups, stream_to, wait_for
from tests.webhook_receiver import webhook_receiver

WINDOW_S = 1.0


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        streams_allow_private=True,
        stream_poll_s=60,
        stream_batch_s=WINDOW_S,
        stream_lease_s=30,
        stream_timeout_s=2,
        audit_flush_interval_s=0.02,
    )


def test_a_write_wakes_its_stream_at_once_without_waiting_for_a_poll(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        stream_to(owner, receiver, start="now")
        time.sleep(0.5)  # the stream is taken and caught up
        make_groups(owner, 1)
        last = head(services, owner)
        wait_for(lambda: last in receiver.seqs(), "the new entry arrived", timeout=15)


def test_entries_written_within_the_window_arrive_in_one_batch(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    writer = services.audit_writer
    assert writer is not None
    events = [make_event(owner.tenant_id) for _ in range(5)]
    ids = {str(e.id) for e in events}
    with webhook_receiver() as receiver:
        stream_to(owner, receiver, start="now")
        wait_for(lambda: _caught_up(owner), "the stream is caught up")

        async def five() -> None:
            for event in events:
                await writer.emit(event)

        asyncio.run(five())  # queued at once: one commit, or a few within the window
        writer.flush_blocking(timeout=5)

        def arrived() -> set[str]:
            return {e["id"] for d in receiver.accepted() for e in d.events} & ids

        wait_for(lambda: arrived() == ids, "the five arrived", timeout=15)
        carrying = [d for d in receiver.accepted() if ids & {e["id"] for e in d.events}]
        assert len(carrying) == 1
        seqs = [e["seq"] for e in carrying[0].events if e["id"] in ids]
        assert seqs == list(range(seqs[0], seqs[0] + 5))


def test_an_idle_stream_does_not_read_the_log(
    login_as: LoginAs, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = login_as(Role.OWNER)
    store = services.audit_store
    looks: list[Any] = []
    read_head = store.log_head

    def counted(tenant_id: Any) -> Any:
        looks.append(tenant_id)
        return read_head(tenant_id)

    with webhook_receiver() as receiver:
        stream_to(owner, receiver, start="now")
        wait_for(lambda: _caught_up(owner), "the stream is caught up")
        time.sleep(WINDOW_S + 0.5)  # any round woken by the stream's own creation is over
        monkeypatch.setattr(store, "log_head", counted)
        time.sleep(2)
        assert looks == []


def _caught_up(owner: Any) -> bool:
    streams = owner.client.get(owner.url("/audit-log/streams")).json()["items"]
    return all(s["health"]["lag_entries"] <= 1 for s in streams)
