"""The /api/v1 routes: every resource router's routes in one flat table, with the errors any
route may give.

FastAPI 0.165 keeps an included router as a node of its own and matches a call against it
level by level, twice (once to find the route, again to handle it): for `GET …/groups` that was
11 router matches, 35 route matches and 37 walks to check that no route had changed, a fifth of
the event loop's time for the call (docs/performance.md, issue 14). Each route is added here as
the app's own, as `include_router` used to do, so a call is matched once, route by route.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

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

API_PREFIX = "/api/v1"

RESOURCE_ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    tenants.router,
    portal_users.router,
    groups.router,
    admin_setup.router,
    call_flows.router,
    call_logs.router,
    partner_access.router,
    audit_proofs.keys_router,
    audit_streams.router,  # before `/audit-log/{entry_id}`
    audit_proofs.router,  # before `/audit-log/{entry_id}`
    audit_retention.router,
    audit_log.router,
)
"""In the order a call is matched against them."""


def add_routes(
    target: APIRouter,
    source: APIRouter,
    *,
    prefix: str = "",
    responses: dict[int | str, dict[str, Any]] | None = None,
) -> None:
    """`source`'s routes as routes of `target` itself, under `prefix`, with `responses` added
    to each route's own (which win)."""
    for route in source.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"only API routes can be added flat, not {route!r}")
        target.add_api_route(
            prefix + route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=list(route.tags),
            dependencies=list(route.dependencies),
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses={**(responses or {}), **route.responses},
            deprecated=route.deprecated,
            methods=sorted(route.methods or ()),
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            route_class_override=type(route),
        )


def add_api_routes(target: APIRouter) -> None:
    """Every /api/v1 route, flat, into `target` (the app's router)."""
    for router in RESOURCE_ROUTERS:
        add_routes(target, router, prefix=API_PREFIX, responses=API_ERRORS)
