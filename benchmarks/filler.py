"""A second writer of one tenant's audit log, in a process of its own, for scenario 9's latency
at 500 entries/s: one server process here answers fewer audited calls than that, so the
entries the probes do not make are written straight into the store, as a second server process
on the same database would write them (the server's deliverer learns of them by its own look,
as it would of another process's writes).

    python -m benchmarks.filler URL TENANT_ID RATE SECONDS   # prints "ready", then how many

`RATE` is what the tenant's log is to grow by, everyone's writes counted: each tick the filler
reads the log's head and writes what the server's entries left short of it, so the log grows at
the rate even when a loaded server answers fewer probes than planned.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime

from asgi_audit import Action, Actor, ActorType, Body, SqlAuditStore
from asgi_audit.testing import make_event

TICK_S = 0.05
"""How often a share of the rate is written (one transaction each)."""


def fill(url: str, tenant_id: uuid.UUID, rate: float, seconds: float) -> int:
    """Write `rate` entries a second of `tenant_id` for `seconds`; returns how many."""
    store = SqlAuditStore.from_url(url)
    actor = Actor(ActorType.USER, str(uuid.uuid4()), "filler@bench.example", "Filler")
    body = Body("application/json", 64, is_json=True, json={"items": [{"name": "Sales"}]})
    print("ready", flush=True)  # imports and connections done: the measured time starts
    first = _size(store, tenant_id)
    written, started = 0, time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < seconds:
            grown = _size(store, tenant_id) - first  # the server's entries and ours
            due = int(rate * elapsed) - grown
            if due > 0:
                events = [
                    make_event(
                        tenant_id,
                        occurred_at=datetime.now(UTC),
                        action=Action.READ,
                        actor=actor,
                        status=200,
                        summary="Listed groups",
                        response=body,
                    )
                    for _ in range(due)
                ]
                store.write(events, [])
                written += due
            time.sleep(TICK_S)
    finally:
        store.close()
    return written


def _size(store: SqlAuditStore, tenant_id: uuid.UUID) -> int:
    head = store.log_head(tenant_id)
    return head.seq + 1 if head is not None else 0


if __name__ == "__main__":
    url, tenant, rate, seconds = sys.argv[1:5]
    print(fill(url, uuid.UUID(tenant), float(rate), float(seconds)), flush=True)
