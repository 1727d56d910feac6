"""The demo's week: `make run` seeds a week of activity through the API in seconds, and each
day's calls are dated on that day by setting the audit policy's clock, and the notary's (which
must not take them for calls left pending); sessions, grants and tokens keep the real time. Only
`callmanager demo seed` does this, in process, before the server starts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from asgi_audit import AuditPolicy


class TickingFrom:
    """A clock that starts at `start` and ticks with the real one."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


@contextmanager
def dated(app: FastAPI, days_ago: int, hour: int) -> Iterator[None]:
    """The app's audited calls inside are dated `days_ago` days back at about `hour` (UTC), or
    now if that is in the future; the real clock is back afterwards."""
    policy: AuditPolicy | None = getattr(app.state, "audit_policy", None)
    if policy is None:  # auditing is off
        yield
        return
    now = datetime.now(UTC)
    when = (now - timedelta(days=days_ago)).replace(hour=hour, minute=7, second=0)
    clock = TickingFrom(min(when, now - timedelta(minutes=5)))
    # The notary on the same clock: it seals entries still pending a while after they
    # occurred, and a call dated days back is not one that was left pending.
    notary = app.state.services.notary
    real_policy, real_notary = policy.clock, notary.clock
    policy.clock = notary.clock = clock
    try:
        yield
    finally:
        policy.clock, notary.clock = real_policy, real_notary


def audit_now(app: FastAPI) -> datetime | None:
    """The instant the app's audit policy would date a call now (inside `dated`, that day's)."""
    policy: AuditPolicy | None = getattr(app.state, "audit_policy", None)
    return None if policy is None else policy.clock()
