"""The domain's error tree; the API edge translates each class to one HTTP problem.

CallManagerError
├── NotFound            404  (also whatever another tenant owns)
├── Conflict            409  (unique names, last Owner)
├── Invalid             422  (a value the domain refuses)
├── Unauthenticated     401
├── Forbidden           403
├── Gone                410  (expired or used invitation)
└── Unavailable         503  (a dependency, e.g. the audit store, is down)
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
