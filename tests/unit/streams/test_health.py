"""A stream's health: its lag counts only the entries its filter delivers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from asgi_audit import Action, ActionType, MemoryAuditStore
from asgi_audit.testing import make_event
from callmanager.streams.health import health
from callmanager.streams.models import LogStream

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
TENANT = uuid.UUID("00000000-0000-4000-8000-000000000015")


def _store() -> MemoryAuditStore:
    """Ten entries in the log: reads at seq 0, 3, 6, 9; the rest creations."""
    store = MemoryAuditStore()
    actions = [Action.READ if n % 3 == 0 else Action.CREATE for n in range(10)]
    store.write(
        [
            make_event(TENANT, occurred_at=NOW + timedelta(seconds=n), action=a)
            for n, a in enumerate(actions)
        ],
        [],
    )
    return store


def _stream(action_type: ActionType, cursor: int | None) -> LogStream:
    return LogStream(
        id=uuid.uuid4(),
        tenant_id=TENANT,
        action_type=action_type.value,
        start_seq=0,
        cursor_seq=cursor,
        status="active",
        undelivered=0,
    )


@pytest.mark.parametrize(
    ("action_type", "cursor", "lag"),
    [
        (ActionType.ALL, None, 10),
        (ActionType.ALL, 4, 5),
        (ActionType.MODIFICATIONS, None, 6),
        (ActionType.MODIFICATIONS, 4, 3),
        (ActionType.READ, 4, 2),
        (ActionType.READ, 9, 0),
    ],
)
def test_lag_counts_only_the_entries_the_streams_filter_delivers(
    action_type: ActionType, cursor: int | None, lag: int
) -> None:
    seen = health(_stream(action_type, cursor), _store(), now=NOW + timedelta(minutes=1))
    assert seen["lag_entries"] == lag
    assert (seen["lag_seconds"] > 0) is (lag > 0)


def test_a_filtered_stream_whose_remaining_entries_it_leaves_out_has_no_lag() -> None:
    """After its cursor only a creation follows: a reads-only stream is caught up."""
    store = _store()
    store.write([make_event(TENANT, occurred_at=NOW + timedelta(seconds=20))], [])
    caught_up = health(_stream(ActionType.READ, 9), store, now=NOW + timedelta(minutes=1))
    assert caught_up["lag_entries"] == 0
    assert caught_up["lag_seconds"] == 0
