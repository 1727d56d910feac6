"""Route rules derived from the host's router, so a new route is audited as it is declared:
one `RouteRule` per method of each route, in the order the router tries them, a host's special
case replacing the rule its method and template would otherwise get."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from starlette.routing import BaseRoute, Mount, Route

from asgi_audit.policy import RouteRule

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
"""The methods rules are made for, in this order."""

Templates = Iterable[tuple[str, Iterable[str]]]
"""Route templates with their methods, in the router's order."""


def templates_of(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """A Starlette router's HTTP routes as templates and methods, mounted routers included.
    (A FastAPI app lists the same in its OpenAPI document's `paths`.)"""
    for route in routes:
        if isinstance(route, Route) and route.methods:
            yield prefix + route.path, {method.upper() for method in route.methods}
        elif isinstance(route, Mount):
            yield from templates_of(route.routes, prefix + route.path)


def derive_rules(
    templates: Templates,
    *,
    prefix: str = "",
    resource_type: Callable[[str], str | None] = lambda _rest: None,
    special: Iterable[RouteRule] = (),
) -> list[RouteRule]:
    """A rule per method of each template under `prefix`; `resource_type` names the resource
    from the template's rest after the prefix; a `special` rule replaces the derived one."""
    replacing = {(rule.method, rule.template): rule for rule in special}
    rules: list[RouteRule] = []
    for template, methods in templates:
        if not template.startswith(prefix):
            continue
        wanted = {method.upper() for method in methods}
        kind = resource_type(template[len(prefix) :])
        for method in (m for m in HTTP_METHODS if m in wanted):
            derived = RouteRule(method, template, resource_type=kind)
            rules.append(replacing.get((method, template), derived))
    return rules
