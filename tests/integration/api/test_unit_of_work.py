"""A request is one unit of work: what a handler changes is committed when it returns, and
rolled back when it raises — handlers never commit, and a refused request changes nothing."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select

from callmanager.api.deps import DbSession, TenantWriter
from callmanager.api.one_hop import OneHopRoute
from callmanager.auth.principal import Role
from callmanager.domain.groups import service
from callmanager.domain.groups.models import Group
from callmanager.errors import Conflict
from callmanager.services import Services
from tests.conftest import LoginAs


def add_then(body: dict[str, str], access: TenantWriter, db: DbSession) -> None:
    service.create_group(db, access.tenant_id, body["name"], "", [])
    if body.get("then") == "fail":
        raise Conflict("Refused after the change was made in the session.")


def _routes(app: FastAPI) -> None:
    app.add_api_route("/api/v1/tenants/{tenant_id}/uow-probe", add_then, methods=["POST"])


def _names(services: Services) -> list[str]:
    with services.session_factory() as db:
        return [g.name for g in db.scalars(select(Group))]


def test_a_handler_that_returns_has_its_changes_committed_and_one_that_raises_has_none(
    app: FastAPI, login_as: LoginAs, services: Services
) -> None:
    _routes(app)
    writer = login_as(Role.WRITER)
    kept = writer.client.post(writer.url("/uow-probe"), json={"name": "Kept"})
    refused = writer.client.post(writer.url("/uow-probe"), json={"name": "Gone", "then": "fail"})
    assert (kept.status_code, refused.status_code) == (200, 409)
    assert _names(services) == ["Kept"]


def test_a_route_that_owns_its_unit_of_work_commits_what_returns_and_nothing_of_what_raises(
    app: FastAPI, login_as: LoginAs, services: Services
) -> None:
    """The API's routes (`OneHopRoute`) end the unit in the endpoint's hop, not in a dependency."""
    app.router.add_api_route(
        "/api/v1/tenants/{tenant_id}/uow-probe",
        add_then,
        methods=["POST"],
        route_class_override=OneHopRoute,
    )
    writer = login_as(Role.WRITER)
    kept = writer.client.post(writer.url("/uow-probe"), json={"name": "Kept"})
    refused = writer.client.post(writer.url("/uow-probe"), json={"name": "Gone", "then": "fail"})
    assert (kept.status_code, refused.status_code) == (200, 409)
    assert _names(services) == ["Kept"]
