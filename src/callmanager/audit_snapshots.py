"""The audit engine's look at a resource just before an edit or delete changes it: read with
the domain's own services and written as the API's GET writes it, so the entry can name what was
deleted ("Deleted group 'Sales EMEA'") and an edit's changes are its response against this."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from asgi_audit import Decision
from asgi_audit.store.port import AuditStore
from asgi_audit.types import JSON
from callmanager.api.audit_streams import StreamSettings, stream_json
from callmanager.api.groups import group_json
from callmanager.api.portal_users import InvitationOut, portal_user_out
from callmanager.api.tenants import tenant_out
from callmanager.domain.callflows import service as call_flows
from callmanager.domain.groups import service as groups
from callmanager.domain.portal_users import service as portal_users
from callmanager.domain.tenants import service as tenants
from callmanager.errors import CallManagerError
from callmanager.streams import service as streams

Reader = Callable[[Session, uuid.UUID, uuid.UUID], Any]
"""Reads one resource of a tenant as the API's JSON (None when there is no such resource)."""


def _group(db: Session, tenant_id: uuid.UUID, group_id: uuid.UUID) -> Any:
    # From its row, as the list writes groups: loading it through the ORM and a model, then
    # dumping that, was most of an audited edit's snapshot (~370 us of CPU here).
    row = groups.group_row(db, tenant_id, group_id)
    return None if row is None else group_json(row)


def _call_flow(db: Session, tenant_id: uuid.UUID, call_flow_id: uuid.UUID) -> Any:
    return call_flows.get_call_flow(db, tenant_id, call_flow_id)


def _portal_user(db: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Any:
    for pu in portal_users.list_portal_users(db, tenant_id):
        if pu.user.id == user_id:
            return portal_user_out(pu)
    return None


def _invitation(db: Session, tenant_id: uuid.UUID, invitation_id: uuid.UUID) -> Any:
    for invitation in portal_users.list_invitations(db, tenant_id):
        if invitation.id == invitation_id:
            return InvitationOut.model_validate(invitation)
    return None


def _tenant(audit_store: AuditStore | None) -> Reader:
    """The tenant as its GET writes it: its history's beginning reads the retention mark."""

    def read(db: Session, tenant_id: uuid.UUID, _same_tenant: uuid.UUID) -> Any:
        return tenant_out(tenants.get_tenant(db, tenant_id), audit_store)

    return read


def _log_stream(db: Session, tenant_id: uuid.UUID, stream_id: uuid.UUID) -> Any:
    # Without its health, which moves by itself (`audit_rules.UNCHANGED_FIELDS`).
    return StreamSettings.model_validate(
        stream_json(streams.get_stream(db, tenant_id, stream_id), None)
    )


READERS: dict[str, Reader] = {
    "group": _group,
    "call_flow": _call_flow,
    "portal_user": _portal_user,
    "invitation": _invitation,
    "log_stream": _log_stream,
}
"""The resources whose edits and deletes are read first, by resource type; and the tenant,
which `Snapshots` reads with its audit store."""


class Snapshots:
    """The policy's `snapshot` hook: one short read-only session per edit or delete."""

    def __init__(
        self, session_factory: sessionmaker[Session], audit_store: AuditStore | None = None
    ) -> None:
        self.session_factory = session_factory
        self.readers = READERS | {"tenant": _tenant(audit_store)}

    def __call__(self, decision: Decision) -> JSON:
        read = self.readers.get(decision.resource.type or "")
        if read is None or decision.resource.id is None:
            return None
        try:
            resource_id = uuid.UUID(decision.resource.id)
        except ValueError:
            return None
        with self.session_factory() as db:
            try:
                found = read(db, decision.tenant_id, resource_id)
            except CallManagerError:  # no such resource: the call will say so itself
                return None
            finally:
                db.rollback()
        if found is None or isinstance(found, dict):  # a reader that writes its JSON itself
            return found
        dumped: JSON = found.model_dump(mode="json")
        return dumped


def snapshots_for(app: FastAPI) -> Snapshots | None:
    """The hook for `app`'s database, or None for an app without services (a bare test app)."""
    services = getattr(app.state, "services", None)
    if services is None:
        return None
    return Snapshots(services.session_factory, services.audit_store)
