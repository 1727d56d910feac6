"""The resource an edit or delete names, read before its handler runs: it gives the entry the
resource's name as people knew it, and an edit's changes are the response against it."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool

from asgi_audit.policy import AuditPolicy, Decision
from asgi_audit.redact import TooDeep
from asgi_audit.types import JSON

log = logging.getLogger("asgi_audit")


async def read_before(policy: AuditPolicy, decision: Decision) -> JSON:
    """The host's snapshot of the resource (redacted like any body), or None when the policy
    takes none for this call, there is no such resource, or reading it failed: a snapshot
    never costs the call, the entry then says its earlier state is unknown."""
    if policy.snapshot is None or not policy.wants_snapshot(decision):
        return None
    try:
        state = await run_in_threadpool(policy.snapshot, decision)
        return None if state is None else policy.redactor(state)
    except TooDeep:
        return None
    except Exception:
        log.exception("reading %s %s before the change failed", decision.method, decision.route)
        return None
