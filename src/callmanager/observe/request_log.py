"""The one log line per request: method, route template, status, duration, tenant, actor type
and the audit entry id, as structured fields (`logs.structured_formatter` renders them)."""

from __future__ import annotations

import logging

from callmanager.logs import REQUEST_LOGGER
from callmanager.observe.requests import Finished


class RequestLog:
    """Observer writing each finished request to the `callmanager.requests` logger at INFO
    (server errors at ERROR); nothing is built when the logger would drop the line."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(REQUEST_LOGGER)

    def __call__(self, finished: Finished) -> None:
        level = logging.ERROR if finished.status >= 500 else logging.INFO
        if not self.logger.isEnabledFor(level):
            return
        self.logger.log(
            level,
            "%s %s %d",
            finished.method,
            finished.path,
            finished.status,
            extra={
                "method": finished.method,
                "route": finished.route,
                "path": finished.path,
                "status": finished.status,
                "duration_ms": round(finished.duration_s * 1000, 2),
                "tenant": finished.tenant,
                "actor_type": finished.actor_type,
                "audit_entry_id": finished.audit_entry_id,
            },
        )
