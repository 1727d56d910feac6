"""The authenticated caller of one request, resolved by the auth middleware before any handler."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from starlette.types import Scope

SCOPE_KEY = "callmanager.principal"
"""Where the auth middleware leaves the `Principal` in the ASGI scope."""


class Role(StrEnum):
    """A portal user's role in one tenant (see PRODUCT.md's table)."""

    OWNER = "owner"
    WRITER = "writer"
    READER = "reader"
    TENANT_SETUP = "tenant_setup"

    @property
    def label(self) -> str:
        """How people read the role: `Owner`, `Writer`, `Reader`, `Tenant Setup`."""
        return self.value.replace("_", " ").title()

    @property
    def plural(self) -> str:
        """The role's holders, as an error names them: `Readers may not do this.`"""
        return "Tenant Setup users" if self is Role.TENANT_SETUP else f"{self.label}s"


PrincipalKind = Literal["user", "system", "partner"]
Via = Literal["session", "token", "system", "partner"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request and with what rights.

    `roles` maps tenant id to role. A partner session holds Owner rights on exactly one tenant
    and carries nothing that identifies the partner person; a system principal (a background
    task) holds Owner rights on every tenant and names its task.
    """

    kind: PrincipalKind
    via: Via
    user_id: uuid.UUID | None = None
    email: str | None = None
    name: str | None = None
    roles: dict[uuid.UUID, Role] = field(default_factory=dict)
    task_name: str | None = None
    session_id: str | None = None
    csrf_token: str | None = None

    def role_in(self, tenant_id: uuid.UUID) -> Role | None:
        if self.kind == "system":
            return Role.OWNER
        return self.roles.get(tenant_id)


def principal_of(scope: Scope | dict[str, Any]) -> Principal | None:
    """The principal the auth middleware resolved for this request, if any."""
    value = scope.get(SCOPE_KEY)
    return value if isinstance(value, Principal) else None
