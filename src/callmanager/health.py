"""`GET /healthz` (the process answers) and `GET /readyz` (it can do its work: database and
audit store reachable, audit writer running with room in its queue, checkpoint signer signing).

Neither is audited (they are outside the tenant API) nor authenticated; a reason names a
check's failure by its kind, never by a message that could carry a URL, a password or a
tenant's data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine, text

from asgi_audit.tlog.note import open_note
from callmanager.services import Services

QUEUE_LIMIT = 0.9
"""The share of the audit writer's queue beyond which the process is not ready."""
CHECK_TIMEOUT_S = 2.0
"""How long one check may take before it counts as failed (a database that does not answer)."""
PROBE_NOTE = "callmanager readiness probe\n"


class CheckResult(BaseModel):
    ok: bool
    reason: str = Field(description="`ok`, or why the check failed (its kind, no details)")


class Health(BaseModel):
    """Whether the process is ready, and each check's result by name."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, CheckResult]


class CheckFailed(Exception):
    """A check's failure, with the reason it reports."""


@dataclass(frozen=True, slots=True)
class Check:
    """A named readiness check: a blocking callable that raises if the part is not ready."""

    name: str
    run: Callable[[], None]


def _reachable(engine: Engine) -> Callable[[], None]:
    def run() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    return run


def readiness_checks(services: Services) -> list[Check]:
    """The checks `/readyz` runs for this service."""
    checks = [
        Check("database", _reachable(services.engine)),
        Check("audit_store", _reachable(services.audit_store.engine)),
    ]
    writer = services.audit_writer
    if writer is not None:

        def writer_running() -> None:
            if not writer.running:
                raise CheckFailed("not running")

        def queue_has_room() -> None:
            if writer.queue_depth >= QUEUE_LIMIT * writer.max_queue:
                raise CheckFailed(f"{writer.queue_depth} of {writer.max_queue} queued")

        checks += [Check("audit_writer", writer_running), Check("audit_queue", queue_has_room)]
    signer = services.notary.signer

    def signer_signs() -> None:
        open_note(signer.sign(PROBE_NOTE), [signer.verifier])

    checks.append(Check("checkpoint_signer", signer_signs))
    return checks


async def _result(check: Check) -> CheckResult:
    try:
        await asyncio.wait_for(asyncio.to_thread(check.run), CHECK_TIMEOUT_S)
    except CheckFailed as failed:
        return CheckResult(ok=False, reason=str(failed))
    except TimeoutError:
        return CheckResult(ok=False, reason=f"no answer within {CHECK_TIMEOUT_S:g} s")
    except Exception as exc:  # any failure means not ready; only its kind is reported
        return CheckResult(ok=False, reason=f"failed ({type(exc).__name__})")
    return CheckResult(ok=True, reason="ok")


HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"model": Health, "description": "At least one check failed; each says why"}
}

health_router = APIRouter(tags=["health"])


@health_router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive and answering."""
    return Health(status="ok", checks={})


@health_router.get("/readyz", response_model=Health, responses=HEALTH_RESPONSES)
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: 200 if every check passed, 503 otherwise, with each check's result."""
    checks = readiness_checks(request.app.state.services)
    results = await asyncio.gather(*(_result(check) for check in checks))
    ready = all(result.ok for result in results)
    health = Health(
        status="ok" if ready else "unavailable",
        checks={check.name: result for check, result in zip(checks, results, strict=True)},
    )
    return JSONResponse(health.model_dump(), status_code=200 if ready else 503)
