"""A second writer of one tenant's audit log, in a process of its own, for scenario 9's latency
at 500 entries/s: one server process here answers fewer audited calls than that, so the
entries the probes do not make are written straight into the store, as a second server process
on the same database would write them (the server's deliverer learns of them by its own look,
as it would of another process's writes).

    python -m benchmarks.filler URL TENANT_ID RATE SECONDS [SHARE]   # prints "ready", then how many

`RATE` is what the tenant's log is to grow by, everyone's writes counted: each tick the filler
reads the log's head and writes what the server's entries left short of it, so the log grows at
the rate even when a loaded server answers fewer probes than planned. Several fillers may top
up one log, each writing its `SHARE` of what is short (on a loaded machine one process alone
does not get the CPU to write 500 entries a second).
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


def fill(url: str, tenant_id: uuid.UUID, rate: float, seconds: float, share: float = 1.0) -> int:
    """Top `tenant_id`'s log up to `rate` entries a second for `seconds`, writing `share` of
    what is short each tick; returns how many this filler wrote."""
    store = SqlAuditStore.from_url(url)
    actor = Actor(ActorType.USER, str(uuid.uuid4()), "filler@bench.example", "Filler")
    body = Body("application/json", 64, is_json=True, json={"items": [{"name": "Sales"}]})
    print("ready", flush=True)  # imports and connections done: the measured time starts
    first = _size(store, tenant_id)
    written, started = 0, time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < seconds:
            grown = _size(store, tenant_id) - first  # the server's entries and ours
            # What the log should hold by the next tick: a write lagging a tick behind the
            # rate would leave the log short by a (loaded machine's long) tick at the end.
            due = int((rate * min(seconds, elapsed + TICK_S) - grown) * share)
            if due <= 0:
                time.sleep(TICK_S)
            else:
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
    finally:
        store.close()
    return written


def _size(store: SqlAuditStore, tenant_id: uuid.UUID) -> int:
    head = store.log_head(tenant_id)
    return head.seq + 1 if head is not None else 0


if __name__ == "__main__":
    url, tenant, rate, seconds = sys.argv[1:5]
    share = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
    print(fill(url, uuid.UUID(tenant), float(rate), float(seconds), share), flush=True)
