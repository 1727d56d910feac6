"""A partner's entry into a tenant, in that tenant's own log: exchanging a grant happens outside
the tenant's path, so the audit middleware never sees it, and without this the log would show
only what partner staff did, never that they came in. No person is named and nothing of the
grant is kept (its token is a credential): only when, until when, and whether it was refused."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import anyio.from_thread
from sqlalchemy.orm import Session, sessionmaker

from asgi_audit import Action, Actor, AuditSink, AuditUnavailable, Resource, record_entry
from callmanager.audit_rules import PARTNER, SOURCES
from callmanager.domain.tenants.models import Tenant
from callmanager.errors import Unavailable

log = logging.getLogger("callmanager.partner")

RESOURCE_TYPE = "partner_access"

REFUSALS = {
    "expired": "expired grant",
    "not_yet_valid": "grant not yet valid",
    "malformed": "malformed grant",
    "replayed": "grant already used",
}
"""Why a grant whose tenant is known (its signature held) was refused, as the log says it."""


class PartnerEntries:
    """Records partner entries into the tenant's log through the app's audit writer, durably,
    from the (synchronous) request handlers that exchange grants. Call it with no transaction
    of the handler open: on SQLite the writer needs the database's write lock."""

    def __init__(
        self, sink: AuditSink | None, sessions: sessionmaker[Session], route: str, method: str
    ) -> None:
        self.sink = sink
        self.sessions = sessions
        self.route = route
        self.method = method

    def started(self, tenant_id: uuid.UUID, until: datetime) -> uuid.UUID | None:
        """`Partner access started via Access Service, valid until 18:30 (Europe/London)`;
        if the log cannot record it, the partner is not let in (503). Returns the entry's id
        (None with auditing off)."""
        zone = self._zone_of(tenant_id) or "UTC"
        local = until.astimezone(ZoneInfo(zone))
        summary = f"Partner access started via Access Service, valid until {local:%H:%M} ({zone})"
        try:
            return self._record(tenant_id, summary, 200 if self.method == "POST" else 303)
        except AuditUnavailable as exc:
            raise Unavailable(
                "The audit log cannot record this entry right now, so access was not given. "
                "Try again shortly."
            ) from exc

    def refused(self, tenant_id: uuid.UUID, reason: str, status: int) -> uuid.UUID | None:
        """`Partner access refused: expired grant`, in the log of the tenant the grant names
        (if it has one here); a log that cannot record it does not change the refusal. Returns
        the entry's id, None when nothing was recorded."""
        if self._zone_of(tenant_id) is None:
            return None
        summary = f"Partner access refused: {REFUSALS.get(reason, 'grant not accepted')}"
        try:
            return self._record(tenant_id, summary, status)
        except AuditUnavailable:
            log.exception("the refused partner access to %s was not recorded", tenant_id)
            return None

    def _zone_of(self, tenant_id: uuid.UUID) -> str | None:
        """The tenant's time zone, or None if there is no such tenant."""
        with self.sessions() as db:
            tenant = db.get(Tenant, tenant_id)
            return None if tenant is None else tenant.time_zone or "UTC"

    def _record(self, tenant_id: uuid.UUID, summary: str, status: int) -> uuid.UUID | None:
        if self.sink is None:  # auditing is off
            return None
        entry = anyio.from_thread.run(
            partial(
                record_entry,
                self.sink,
                tenant_id=tenant_id,
                actor=Actor(PARTNER),
                source=SOURCES["partner"],
                action=Action.CREATE,
                method=self.method,
                path=self.route,  # never the query: the browser form carries the grant there
                route=self.route,
                resource=Resource(RESOURCE_TYPE),
                summary=summary,
                status=status,
            )
        )
        return entry.id
