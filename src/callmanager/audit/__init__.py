"""The audit engine: records every API call of an ASGI app, redacted and durable, and searches them.

It imports nothing from the rest of Call Manager; the host app plugs its own rules in::

    store = SqlAuditStore.from_url(url)              # or MemoryAuditStore() in tests
    writer = AuditWriter(store)                      # writer.start() / await writer.shutdown()
    policy = AuditPolicy(attribute=..., rules=[RouteRule(...), ...])
    app.add_middleware(AuditMiddleware, policy=policy, sink=writer)
    log = AuditLog(store, cursor_key=secret)         # log.search(parse_query(...)), log.get(...)
    log.export(parse_query(...), ExportFormat.JSONL)  # every match as file chunks
"""

from callmanager.audit.bodies import CAPTURE_LIMIT
from callmanager.audit.capture import AuditMiddleware
from callmanager.audit.errors import (
    AuditError,
    AuditUnavailable,
    InvalidCursor,
    InvalidQuery,
    RangeTooLarge,
    WriterClosed,
)
from callmanager.audit.events import (
    ANONYMOUS,
    MODIFICATIONS,
    Action,
    Actor,
    ActorType,
    AuditEvent,
    Body,
    Outcome,
    Resource,
    canonical_bytes,
)
from callmanager.audit.export import ExportFormat
from callmanager.audit.policy import (
    Attribution,
    AuditPolicy,
    RouteRule,
    SummaryInput,
    default_summary,
)
from callmanager.audit.query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_RANGE,
    MAX_TEXT,
    ActionType,
    AuditLog,
    AuditQuery,
    Page,
    parse_query,
)
from callmanager.audit.redact import REDACTED
from callmanager.audit.store import AuditStore, MemoryAuditStore
from callmanager.audit.store.schema import upgrade
from callmanager.audit.store.sql import SqlAuditStore
from callmanager.audit.writer import AuditSink, AuditWriter

__all__ = [
    "ANONYMOUS",
    "CAPTURE_LIMIT",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_RANGE",
    "MAX_TEXT",
    "MODIFICATIONS",
    "REDACTED",
    "Action",
    "ActionType",
    "Actor",
    "ActorType",
    "Attribution",
    "AuditError",
    "AuditEvent",
    "AuditLog",
    "AuditMiddleware",
    "AuditPolicy",
    "AuditQuery",
    "AuditSink",
    "AuditStore",
    "AuditUnavailable",
    "AuditWriter",
    "Body",
    "ExportFormat",
    "InvalidCursor",
    "InvalidQuery",
    "MemoryAuditStore",
    "Outcome",
    "Page",
    "RangeTooLarge",
    "Resource",
    "RouteRule",
    "SqlAuditStore",
    "SummaryInput",
    "WriterClosed",
    "canonical_bytes",
    "default_summary",
    "parse_query",
    "upgrade",
]
