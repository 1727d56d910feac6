"""What a benchmark needs in the domain tables: tenants, a logged-in user with a role, groups.

Built straight through the domain services (as `tests/factories.py` does), not timed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from callmanager.auth.credentials import hash_password
from callmanager.auth.principal import Role
from callmanager.auth.sessions import SESSION_COOKIE, open_session
from callmanager.auth.tokens import create_token
from callmanager.db import UnitOfWork, make_engine, make_session_factory
from callmanager.domain.groups.service import create_group
from callmanager.domain.portal_users.models import Membership, User
from callmanager.domain.setup.models import AdminSetup
from callmanager.domain.tenants.models import Tenant


@dataclass(frozen=True, slots=True)
class Caller:
    """A user of one or more tenants with a browser session (cookie and CSRF token), as the web
    UI calls, and a personal API token, as scripts call."""

    user_id: uuid.UUID
    email: str
    session: str
    csrf: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{SESSION_COOKIE}={self.session}", "X-CSRF-Token": self.csrf}

    @property
    def bearer_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True, slots=True)
class ApiFixture:
    """One tenant with groups, and its Owner."""

    tenant_id: uuid.UUID
    caller: Caller
    group_ids: list[uuid.UUID]


def add_tenants(url: str, tenants: Sequence[tuple[uuid.UUID, str, str]]) -> None:
    """Tenants with given (id, name, time zone), each with its Admin Setup row."""
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            for tenant_id, name, time_zone in tenants:
                uow.session.add(Tenant(id=tenant_id, name=name, time_zone=time_zone))
            uow.session.flush()
            uow.session.add_all(AdminSetup(tenant_id=t[0]) for t in tenants)
            uow.commit()
    finally:
        engine.dispose()


def add_caller(url: str, tenant_ids: Sequence[uuid.UUID], role: Role, email: str) -> Caller:
    """A portal user with `role` in each tenant, logged in."""
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            user = User(email=email, name=email.split("@")[0], password_hash=hash_password("x"))
            uow.session.add(user)
            uow.session.flush()
            uow.session.add_all(
                Membership(tenant_id=t, user_id=user.id, role=role) for t in tenant_ids
            )
            issued = open_session(uow.session, lifetime=timedelta(days=1), user_id=user.id)
            token = create_token(uow.session, user.id, "benchmark", None).token
            uow.commit()
            return Caller(user.id, email, issued.token, issued.csrf_token, token)
    finally:
        engine.dispose()


def api_fixture(url: str, groups: int = 10, members: int = 5) -> ApiFixture:
    """A tenant 'Bench' with `groups` groups of `members` members, and its Owner."""
    tenant_id = uuid.uuid4()
    add_tenants(url, [(tenant_id, "Bench", "UTC")])
    caller = add_caller(url, [tenant_id], Role.OWNER, "owner@bench.example")
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            created = [
                create_group(
                    uow.session,
                    tenant_id,
                    f"Group {n:02d}",
                    f"Call queue {n} for the benchmark",
                    [f"user{m}@bench.example" for m in range(members)],
                )
                for n in range(groups)
            ]
            uow.commit()
            group_ids = [g.id for g in created]
    finally:
        engine.dispose()
    return ApiFixture(tenant_id, caller, group_ids)
