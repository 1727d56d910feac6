"""RFC 9457 problem+json responses, and the handlers that turn every error into one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles

from asgi_audit import AuditUnavailable, InvalidQuery
from callmanager.errors import CallManagerError

PROBLEM_BASE = "https://callmanager.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
AUDIT_RETRY_AFTER_S = 5
"""What a 503 for an unreachable audit store asks the client to wait, in seconds."""

_HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid", "Invalid value"),
    429: ("too-many-requests", "Too many requests"),
    503: ("unavailable", "Service unavailable"),
}


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response with a stable `type` URI."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CallManagerError)
    return problem(exc.status, exc.type_slug, exc.title, exc.detail, exc.headers, **exc.extra)


def _audit_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuditUnavailable)
    return problem(
        503,
        "unavailable",
        "Service unavailable",
        "The audit log cannot be read right now. Try again shortly.",
        retry_after=AUDIT_RETRY_AFTER_S,
    )


def _invalid_query(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidQuery)
    return problem(400, "invalid-query", "Invalid query", exc.detail, parameter=exc.parameter)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    is_json_error = any(err["type"] == "json_invalid" for err in errors)
    if is_json_error:
        return problem(400, "malformed-json", "Malformed JSON", "The body is not valid JSON.")
    return problem(
        422, "validation-failed", "Validation failed", "The request is not valid.", errors=errors
    )


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_TITLES.get(exc.status_code, ("error", "Error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem(exc.status_code, slug, title, detail, headers=headers)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (Starlette names only the first route's).

    Each method is tried against the routes' own matching, so included routers count too."""
    routes = request.app.router.routes
    for route in routes:
        if isinstance(route, Mount) and route.matches(request.scope)[0] is not Match.NONE:
            return ["GET", "HEAD"] if isinstance(route.app, StaticFiles) else []
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CallManagerError, _domain_error)
    app.add_exception_handler(AuditUnavailable, _audit_unavailable)
    app.add_exception_handler(InvalidQuery, _invalid_query)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
