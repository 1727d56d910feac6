"""The /api/v1 router: every resource router, included once, and the errors any route may give."""

from __future__ import annotations

from fastapi import APIRouter

from callmanager.api import (
    admin_setup,
    audit_log,
    audit_proofs,
    audit_retention,
    audit_streams,
    auth,
    call_flows,
    call_logs,
    groups,
    partner_access,
    portal_users,
    tenants,
)
from callmanager.api.openapi import API_ERRORS

api_router = APIRouter(prefix="/api/v1", responses=API_ERRORS)
api_router.include_router(auth.router)
api_router.include_router(tenants.router)
api_router.include_router(portal_users.router)
api_router.include_router(groups.router)
api_router.include_router(admin_setup.router)
api_router.include_router(call_flows.router)
api_router.include_router(call_logs.router)
api_router.include_router(partner_access.router)
api_router.include_router(audit_proofs.keys_router)
api_router.include_router(audit_streams.router)  # before `/audit-log/{entry_id}`
api_router.include_router(audit_proofs.router)  # before `/audit-log/{entry_id}`
api_router.include_router(audit_retention.router)
api_router.include_router(audit_log.router)
