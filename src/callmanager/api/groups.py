"""Groups of a tenant: list, create, read, edit, delete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Response, status
from pydantic import Field

from callmanager.api.deps import DbSession, TenantReader, TenantWriter
from callmanager.api.one_hop import QuickReadRoute
from callmanager.api.schemas import Description, Name, RequestBody, ResponseBody
from callmanager.domain.groups import service
from callmanager.domain.text import one_line

router = APIRouter(
    prefix="/tenants/{tenant_id}/groups", tags=["groups"], route_class=QuickReadRoute
)

JSON = "application/json"

Member = Annotated[str, one_line(320)]


class GroupIn(RequestBody):
    name: Name
    description: Description = ""
    members: list[Member] = Field(default_factory=list, max_length=500)


class GroupPatch(RequestBody):
    name: Name | None = None
    description: Description | None = None
    members: list[Member] | None = Field(default=None, max_length=500)


class GroupOut(ResponseBody):
    id: uuid.UUID
    name: str
    description: str
    members: list[str]
    created_at: datetime
    updated_at: datetime


class GroupList(ResponseBody):
    items: list[GroupOut]


_LISTED = tuple(GroupOut.model_fields)
"""A listed group's fields, in the order of `service.list_groups`'s columns."""


def _listed(row: Sequence[Any]) -> dict[str, Any]:
    """A group's row (as `service.list_groups` reads it) by `GroupOut`'s field names, for
    orjson to write as the model would (`OPT_UTC_Z`)."""
    return dict(zip(_LISTED, row, strict=True))


def group_json(row: Sequence[Any]) -> dict[str, Any]:
    """A group's row as `GroupOut` dumps it to JSON."""
    loaded: dict[str, Any] = orjson.loads(orjson.dumps(_listed(row), option=orjson.OPT_UTC_Z))
    return loaded


@router.get("", response_model=GroupList)
def list_groups(access: TenantReader, db: DbSession) -> Response:
    # Written from the rows as `GroupList` would serialise them (a test holds the two equal):
    # validating a model per group, and the list again as the response model, was a fifth of
    # the call's work in its worker thread (docs/performance.md, issue 14). A docstring here
    # would become the operation's description in the OpenAPI document.
    rows = service.list_groups(db, access.tenant_id)
    items = [_listed(row) for row in rows]
    return Response(orjson.dumps({"items": items}, option=orjson.OPT_UTC_Z), media_type=JSON)


@router.post("", response_model=GroupOut, status_code=status.HTTP_201_CREATED)
def create_group(body: GroupIn, access: TenantWriter, db: DbSession) -> GroupOut:
    group = service.create_group(db, access.tenant_id, body.name, body.description, body.members)
    return GroupOut.model_validate(group)


@router.get("/{group_id}", response_model=GroupOut)
def get_group(group_id: uuid.UUID, access: TenantReader, db: DbSession) -> GroupOut:
    return GroupOut.model_validate(service.get_group(db, access.tenant_id, group_id))


@router.patch("/{group_id}", response_model=GroupOut)
def update_group(
    group_id: uuid.UUID, body: GroupPatch, access: TenantWriter, db: DbSession
) -> GroupOut:
    changes = body.model_dump(exclude_unset=True)
    group = service.update_group(db, access.tenant_id, group_id, **changes)
    return GroupOut.model_validate(group)


@router.put("/{group_id}", response_model=GroupOut)
def replace_group(
    group_id: uuid.UUID, body: GroupIn, access: TenantWriter, db: DbSession
) -> GroupOut:
    group = service.update_group(
        db,
        access.tenant_id,
        group_id,
        name=body.name,
        description=body.description,
        members=body.members,
    )
    return GroupOut.model_validate(group)


@router.delete("/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_group(group_id: uuid.UUID, access: TenantWriter, db: DbSession) -> None:
    service.delete_group(db, access.tenant_id, group_id)
