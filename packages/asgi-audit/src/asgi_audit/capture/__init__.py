"""Capture: the pure ASGI middleware that records every audited call as an `AuditEvent`.

`middleware` decides per request which flow runs: `durable` for modifications (the entry stored
before the handler, the response held until its outcome is stored) or `read` (the entry queued
once the response is sent). Both tap the request with `request.RequestTap` and build entries with
`entry.EntryBuilder`; `response` holds the messages a durable flow must not release yet.
"""

from asgi_audit.capture.middleware import AuditMiddleware

__all__ = ["AuditMiddleware"]
