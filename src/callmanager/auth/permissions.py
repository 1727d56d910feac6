"""What each role may do: PRODUCT.md's role table as data."""

from __future__ import annotations

from enum import StrEnum

from callmanager.auth.principal import Role


class Permission(StrEnum):
    READ = "read"
    """Read tenant resources: groups, call flows, call logs, portal users, invitations."""
    WRITE = "write"
    """Create, edit and delete tenant resources other than portal users and invitations."""
    MANAGE_USERS = "manage_users"
    """Invite portal users, change their roles, remove them."""
    AUDIT_READ = "audit_read"
    """Search the tenant's audit log."""
    SETUP_READ = "setup_read"
    """See the Admin Setup page."""
    SETUP_WRITE = "setup_write"
    """Change consent and setup."""


_EVERYTHING = frozenset(Permission)
ALLOWED: dict[Role, frozenset[Permission]] = {
    Role.OWNER: _EVERYTHING,
    Role.WRITER: _EVERYTHING - {Permission.MANAGE_USERS},
    Role.READER: frozenset({Permission.READ, Permission.AUDIT_READ, Permission.SETUP_READ}),
    Role.TENANT_SETUP: frozenset({Permission.SETUP_READ, Permission.SETUP_WRITE}),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ALLOWED[role]
