"""Rules derived from a Starlette router: one per method of each route, in the router's order,
special cases replacing what the method and template would give."""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from asgi_audit import Action, RouteRule
from asgi_audit.routes import derive_rules, templates_of


def ok(_request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


ROUTES = [
    Route("/health", ok),
    Mount(
        "/api/{tenant}",
        routes=[
            Route("/notes", ok, methods=["GET", "POST"]),
            Route("/notes/search", ok, methods=["POST"]),
            Route("/notes/{note_id}", ok, methods=["DELETE"]),
        ],
    ),
]


def test_every_route_under_the_prefix_gets_a_rule_per_method_in_the_routers_order() -> None:
    search = RouteRule("POST", "/api/{tenant}/notes/search", action=Action.READ)
    rules = derive_rules(
        templates_of(ROUTES),
        prefix="/api/{tenant}",
        resource_type=lambda rest: rest.strip("/").split("/")[0].rstrip("s"),
        special=[search],
    )
    assert [(r.method, r.template, r.resource_type) for r in rules] == [
        ("GET", "/api/{tenant}/notes", "note"),
        ("HEAD", "/api/{tenant}/notes", "note"),
        ("POST", "/api/{tenant}/notes", "note"),
        ("POST", "/api/{tenant}/notes/search", None),
        ("DELETE", "/api/{tenant}/notes/{note_id}", "note"),
    ]
    assert rules[3] is search
