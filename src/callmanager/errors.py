"""The domain's error tree; the API edge translates each class to one HTTP problem.

CallManagerError
├── BadQuery            400  (a list query refused as a whole: range, cursor)
├── NotFound            404  (also whatever another tenant owns)
├── Conflict            409  (unique names, last Owner)
├── Invalid             422  (a value the domain refuses)
├── Unauthenticated     401
├── Forbidden           403
├── Gone                410  (expired or used invitation)
├── TooManyAttempts     429  (login throttling; `retry_after` becomes the Retry-After header)
└── Unavailable         503  (a dependency, e.g. the audit store, is down)

The audit engine has its own tree (`asgi_audit.errors`); the problem handlers map its
`InvalidQuery` (400, naming the `parameter`) and `AuditUnavailable` (503) once, at the edge.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CallManagerError(Exception):
    """Base of every error the domain raises on purpose."""

    status: ClassVar[int] = 400
    type_slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}
        """Response headers the problem carries (e.g. the entry a refusal was recorded as)."""


class NotFound(CallManagerError):
    status, type_slug, title = 404, "not-found", "Not found"


class Conflict(CallManagerError):
    status, type_slug, title = 409, "conflict", "Conflict"


class Invalid(CallManagerError):
    status, type_slug, title = 422, "invalid", "Invalid value"


class Unauthenticated(CallManagerError):
    status, type_slug, title = 401, "unauthenticated", "Authentication required"


class Forbidden(CallManagerError):
    status, type_slug, title = 403, "forbidden", "Forbidden"


class Gone(CallManagerError):
    status, type_slug, title = 410, "gone", "Gone"


class Unavailable(CallManagerError):
    status, type_slug, title = 503, "unavailable", "Service unavailable"


class BadQuery(CallManagerError):
    """A list query refused as a whole: a range too long or reversed, a cursor not ours."""

    status, type_slug, title = 400, "bad-query", "Bad query"


class TooManyAttempts(CallManagerError):
    status, type_slug, title = 429, "too-many-attempts", "Too many failed logins"
