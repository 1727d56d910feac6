"""The audit engine's one error tree; the host translates each branch to HTTP at its edge.

AuditError
├── AuditUnavailable        the store could not take an entry (host: 503, request refused)
│   ├── WriterClosed        the writer is not running (not started, or shut down)
│   └── StoreReplaced       the store's file is no longer the one it opened
└── InvalidQuery            a search parameter the engine refuses (host: 400)
    ├── InvalidCursor       a malformed, tampered or foreign cursor
    └── RangeTooLarge       `from`..`to` spans more than the documented maximum
"""

from __future__ import annotations


class AuditError(Exception):
    """Base of every error the audit engine raises on purpose."""


class AuditUnavailable(AuditError):
    """An entry could not be stored durably; the request it belongs to must not proceed."""


class WriterClosed(AuditUnavailable):
    """The writer is not accepting entries: it was never started, or it has shut down."""


class StoreReplaced(AuditUnavailable):
    """The SQLite file at the store's path was replaced or removed while open: entries would
    go to a file no longer in place, so nothing is written until the service is restarted."""


class InvalidQuery(AuditError):
    """A search parameter is not valid; `parameter` names it for the problem body."""

    def __init__(self, detail: str, parameter: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.parameter = parameter


class InvalidCursor(InvalidQuery):
    """The cursor is malformed, was altered, or belongs to another tenant or other filters."""

    def __init__(self, detail: str = "The cursor is not valid for this query.") -> None:
        super().__init__(detail, "cursor")


class RangeTooLarge(InvalidQuery):
    """The time range is longer than the maximum a search may span."""
