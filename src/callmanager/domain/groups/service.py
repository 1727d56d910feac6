"""Listing, creating, editing and deleting a tenant's groups."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callmanager.domain.groups.models import Group
from callmanager.errors import Conflict, NotFound

MAX_GROUPS_LISTED = 1000


_GROUPS = Group.__table__.c
_LIST = (
    select(
        _GROUPS.id,
        _GROUPS.name,
        _GROUPS.description,
        _GROUPS.members,
        _GROUPS.created_at,
        _GROUPS.updated_at,
    )
    .where(_GROUPS.tenant_id == bindparam("tenant_id"))
    .order_by(_GROUPS.name)
    .limit(MAX_GROUPS_LISTED)
)
"""Core, built once: its compiled form stays in the engine's statement cache, and its rows skip
the ORM's loading (a list needs no identity map)."""


_ONE = _LIST.where(_GROUPS.id == bindparam("group_id"))
"""One group of a tenant as a listed row (Core, built once, like `_LIST`)."""


def group_row(
    db: Session, tenant_id: uuid.UUID, group_id: uuid.UUID
) -> Row[*tuple[Any, ...]] | None:
    """One group of a tenant as `list_groups` lists it, or None if the tenant has no such
    group: what the audit log reads before an edit, without the ORM's loading."""
    return db.connection().execute(_ONE, {"tenant_id": tenant_id, "group_id": group_id}).first()


def list_groups(db: Session, tenant_id: uuid.UUID) -> Sequence[Row[*tuple[Any, ...]]]:
    """A tenant's groups by name, as read-only rows, in the request's transaction."""
    return db.connection().execute(_LIST, {"tenant_id": tenant_id}).all()


def get_group(db: Session, tenant_id: uuid.UUID, group_id: uuid.UUID) -> Group:
    group = db.get(Group, group_id)
    if group is None or group.tenant_id != tenant_id:
        raise NotFound("No such group.")
    return group


def _flush_unique(db: Session, name: str) -> None:
    try:
        db.flush()
    except IntegrityError as exc:
        raise Conflict(f"A group named {name!r} already exists.") from exc


def create_group(
    db: Session, tenant_id: uuid.UUID, name: str, description: str, members: Sequence[str]
) -> Group:
    group = Group(tenant_id=tenant_id, name=name, description=description, members=list(members))
    db.add(group)
    _flush_unique(db, name)
    return group


def update_group(
    db: Session,
    tenant_id: uuid.UUID,
    group_id: uuid.UUID,
    *,
    name: str | None = None,
    description: str | None = None,
    members: Sequence[str] | None = None,
) -> Group:
    group = get_group(db, tenant_id, group_id)
    if name is not None:
        group.name = name
    if description is not None:
        group.description = description
    if members is not None:
        group.members = list(members)
    _flush_unique(db, group.name)
    return group


def delete_group(db: Session, tenant_id: uuid.UUID, group_id: uuid.UUID) -> Group:
    group = get_group(db, tenant_id, group_id)
    db.delete(group)
    db.flush()
    return group
