"""Wizard Call Flows of a tenant: list, create, read, replace, delete."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from callmanager.api.deps import DbSession, TenantReader, TenantWriter
from callmanager.api.one_hop import QuickReadRoute
from callmanager.domain.callflows import service
from callmanager.domain.callflows.schemas import (
    CallFlowCreate,
    CallFlowList,
    CallFlowRead,
    CallFlowUpdate,
)

router = APIRouter(
    prefix="/tenants/{tenant_id}/call-flows", tags=["call flows"], route_class=QuickReadRoute
)


@router.get("", response_model=CallFlowList)
def list_call_flows(access: TenantReader, db: DbSession) -> CallFlowList:
    return CallFlowList(items=service.list_call_flows(db, access.tenant_id))


@router.post("", response_model=CallFlowRead, status_code=status.HTTP_201_CREATED)
def create_call_flow(body: CallFlowCreate, access: TenantWriter, db: DbSession) -> CallFlowRead:
    return service.create_call_flow(db, access.tenant_id, body)


@router.get("/{call_flow_id}", response_model=CallFlowRead)
def get_call_flow(call_flow_id: uuid.UUID, access: TenantReader, db: DbSession) -> CallFlowRead:
    return service.get_call_flow(db, access.tenant_id, call_flow_id)


@router.put("/{call_flow_id}", response_model=CallFlowRead)
def replace_call_flow(
    call_flow_id: uuid.UUID, body: CallFlowUpdate, access: TenantWriter, db: DbSession
) -> CallFlowRead:
    """Replace the whole call flow; send the `version` you read to refuse lost updates (409)."""
    return service.update_call_flow(db, access.tenant_id, call_flow_id, body)


@router.delete("/{call_flow_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_call_flow(call_flow_id: uuid.UUID, access: TenantWriter, db: DbSession) -> None:
    service.delete_call_flow(db, access.tenant_id, call_flow_id)
