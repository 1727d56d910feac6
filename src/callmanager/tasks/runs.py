"""What every System task run shares: the in-process client it calls the API with, the tenants
it walks, and the report `callmanager tasks run` prints."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from callmanager.domain.tenants.models import Tenant
from callmanager.progress import Bar
from callmanager.services import Services


class ItemResult(Protocol):
    """One thing a run looked at (a call flow, a tenant): its name, what changed, or its error."""

    name: str
    error: str | None

    @property
    def changes(self) -> list[str]: ...


Item = TypeVar("Item", bound=ItemResult)


@dataclass
class TaskReport(Generic[Item]):
    """What one run did: things checked, those changed, those that failed, and tenants whose
    things could not even be listed."""

    started_at: datetime
    finished_at: datetime | None = None
    checked: int = 0
    changed: list[Item] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)
    tenant_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.tenant_errors

    def summary(self) -> str:
        raise NotImplementedError


def system_client(app: FastAPI, task_name: str) -> httpx.AsyncClient:
    """An in-process HTTP client authenticated as the System task `task_name`."""
    services: Services = app.state.services
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://callmanager.internal",
        headers=services.system_headers(task_name),
        timeout=30.0,
    )


def tenant_ids(app: FastAPI) -> list[uuid.UUID]:
    """Every tenant, in a stable order."""
    services: Services = app.state.services
    with services.session_factory() as db:
        return list(db.scalars(select(Tenant.id).order_by(Tenant.id)))


def each_tenant(app: FastAPI, progress: Bar) -> Iterator[uuid.UUID]:
    """Every tenant, in a stable order, telling `progress` how many are done of how many."""
    ids = tenant_ids(app)
    progress.update(0, len(ids))
    for done, tenant_id in enumerate(ids, 1):
        yield tenant_id
        progress.update(done, len(ids))
