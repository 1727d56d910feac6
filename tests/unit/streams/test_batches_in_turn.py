"""A stream's batches take turns with their cursors: each cursor moves only after the receiver
took its batch, and the next batch is sent only once that cursor has landed, so a process killed
at any moment has at most one batch sent and not acknowledged (the one a restart sends again)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from asgi_audit import MemoryAuditStore
from asgi_audit.streams import DeliveryError, StreamEvent
from asgi_audit.testing import make_event
from callmanager.db import utcnow
from callmanager.streams.delivery import BATCH, Deliverer
from callmanager.streams.lease import Held
from tests.conftest import make_settings

ADVANCE_S = 0.2
"""How long moving a cursor takes here: long enough to see whether a send waits for it."""


class SlowLeases:
    """The stream rows, as a log of what happened and when; moving a cursor takes a while."""

    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.log = log
        self._lock = threading.Lock()

    def advance(self, stream_id: uuid.UUID, cursor: int, now: object, sent: bool) -> bool:
        with self._lock:
            self.log.append(("advancing", cursor))
        time.sleep(ADVANCE_S)
        with self._lock:
            self.log.append(("advanced", cursor))
        return True

    def failed(self, stream_id: uuid.UUID, now: object, **details: object) -> bool:
        with self._lock:
            self.log.append(("failed", -1))
        return True

    def renew(self, stream_id: uuid.UUID, now: object) -> bool:
        return True


class Receiver:
    """Takes batches (refusing the one at `refuse`, counted from 0), logging each send."""

    def __init__(self, log: list[tuple[str, int]], refuse: int | None = None) -> None:
        self.log = log
        self.refuse = refuse
        self.sent = 0

    async def send(self, batch: Sequence[StreamEvent]) -> str:
        last = batch[-1].seq
        assert last is not None
        self.log.append(("sending", last))
        await asyncio.sleep(0.01)
        self.sent += 1
        if self.sent - 1 == self.refuse:
            raise DeliveryError("503 Service Unavailable", status=503, retryable=True)
        self.log.append(("sent", last))
        return "200 OK"

    async def aclose(self) -> None:
        return None


def _stream(tmp_path: Path, entries: int) -> tuple[Deliverer, Held]:
    store = MemoryAuditStore()
    tenant = uuid.uuid4()
    store.write([make_event(tenant) for _ in range(entries)], [])
    settings = make_settings(f"sqlite:///{tmp_path / 'unused.db'}", tmp_path)
    streams = Deliverer(sessionmaker(), store, settings)
    now = utcnow()
    held = Held(
        id=uuid.uuid4(),
        tenant_id=tenant,
        kind="webhook",
        destination={},
        secrets=None,
        format="native",
        action_type="all",
        position=-1,
        revision=1,
        status="active",
        failing_since=None,
        lease_expires_at=now + timedelta(minutes=5),
    )
    return streams, held


def _round(tmp_path: Path, receiver_log: list[tuple[str, int]], refuse: int | None) -> str:
    streams, held = _stream(tmp_path, 2 * BATCH + 100)
    streams.leases = SlowLeases(receiver_log)  # type: ignore[assignment]
    receiver = Receiver(receiver_log, refuse)
    return asyncio.run(streams._round(held, receiver, time.monotonic()))  # type: ignore[arg-type]


def test_the_next_batch_is_sent_only_once_the_cursor_of_the_one_before_has_landed(
    tmp_path: Path,
) -> None:
    log: list[tuple[str, int]] = []
    assert _round(tmp_path, log, refuse=None) == "idle"
    first, second, third = BATCH - 1, 2 * BATCH - 1, 2 * BATCH + 99
    assert log == [
        ("sending", first),
        ("sent", first),
        ("advancing", first),
        ("advanced", first),
        ("sending", second),
        ("sent", second),
        ("advancing", second),
        ("advanced", second),
        ("sending", third),
        ("sent", third),
        ("advancing", third),
        ("advanced", third),
    ]


def test_a_refused_batch_is_recorded_after_the_cursor_before_it_and_moves_nothing(
    tmp_path: Path,
) -> None:
    log: list[tuple[str, int]] = []
    assert _round(tmp_path, log, refuse=1) == "retry"
    first, second = BATCH - 1, 2 * BATCH - 1
    assert ("advanced", first) in log
    assert log.index(("advanced", first)) < log.index(("failed", -1))
    assert ("advancing", second) not in log
    assert not any(entry == ("sending", 2 * BATCH + 99) for entry in log)
