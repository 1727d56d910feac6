"""What the OpenAPI document says about errors: the problem+json schema, and the error responses
every API route may give, declared once for the whole `/api/v1` router."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from asgi_audit.capture.entry_header import ENTRY_ID_HEADER
from callmanager.api.problems import PROBLEM_MEDIA_TYPE

COMPONENTS = "#/components/schemas/"


class ValidationIssue(BaseModel):
    """One reason a request was not valid: where (`["body", "name"]`), what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem. Some carry more members: `errors` (422), `parameter` (a refused
    search parameter), `retry_after` (429), `max_days` (a call log range too long)."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="A URI naming the kind of problem; stable.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(ge=400, le=599, description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request.")
    errors: list[ValidationIssue] | None = None
    parameter: str | None = None


ERRORS = {
    400: "Malformed JSON, or a search parameter refused (the problem names it)",
    401: "Not logged in, or the token is unknown, expired or revoked",
    403: "The caller's role may not do this, or a cookie request lacks its CSRF token",
    404: "No such resource here (also whatever another tenant owns)",
    409: "Conflicts with the current state (a name taken, a stale version, the last Owner)",
    410: "The invitation was used, revoked or has expired",
    422: "A value the API refuses; `errors` says where",
    429: "Too many failed logins; `retry_after` says for how many seconds",
    503: "A dependency, such as the audit store, is unavailable; nothing was changed",
}
"""The error statuses of the API, each answered with an `application/problem+json` body."""


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for FastAPI: each status as a problem+json response."""
    return {
        status: {
            "description": ERRORS.get(status, "A problem"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": COMPONENTS + "Problem"}}},
        }
        for status in statuses
    }


API_ERRORS = problem_responses(400, 401, 403, 404, 409, 422, 429, 503)


def problem_schemas() -> dict[str, Any]:
    """The components the problem responses refer to."""
    schema = Problem.model_json_schema(ref_template=COMPONENTS + "{model}")
    return {**schema.pop("$defs", {}), "Problem": schema}


AUDIT_ENTRY_ID = {
    ENTRY_ID_HEADER: {
        "description": "The id of this call's entry in the tenant's audit log "
        "(`GET /api/v1/tenants/{tenant_id}/audit-log/{entry_id}`)",
        "schema": {"type": "string", "format": "uuid"},
    }
}
"""The header every audited response carries (set by the audit engine's capture)."""


def document_audit_entry_header(
    document: dict[str, Any], prefix: str, paths: Collection[str] = ()
) -> None:
    """List `Audit-Entry-Id` in every response of every audited route (those under `prefix`,
    and the audited `paths` outside it)."""
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(prefix) and path not in paths:
            continue
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {}).update(AUDIT_ENTRY_ID)


def with_problem_schemas(
    app: FastAPI, audited_prefix: str | None = None, audited_paths: Collection[str] = ()
) -> Callable[[], dict[str, Any]]:
    """`app.openapi`, whose document also holds the problem schemas the responses refer to
    and the audit entry header of the audited routes' responses (under `audited_prefix`, and
    the `audited_paths` outside it that record entries themselves)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {}).setdefault("schemas", {}).update(
                problem_schemas()
            )
            if audited_prefix is not None:
                document_audit_entry_header(document, audited_prefix, audited_paths)
        return app.openapi_schema or generate()

    return openapi
