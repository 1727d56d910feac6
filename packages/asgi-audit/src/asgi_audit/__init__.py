"""asgi-audit: records every API call of an ASGI app, redacted and durable, and searches them.

The host app plugs its own rules in (see README.md for a whole example)::

    store = SqlAuditStore.from_url(url)              # or MemoryAuditStore() in tests
    writer = AuditWriter(store)                      # writer.start() / await writer.shutdown()
    policy = AuditPolicy(attribute=..., rules=[RouteRule(...), ...])
    app.add_middleware(AuditMiddleware, policy=policy, sink=writer)
    log = AuditLog(store, cursor_key=secret)         # log.search(parse_query(...)), log.get(...)
    log.export(parse_query(...), ExportFormat.JSONL)  # every match as file chunks
"""

from asgi_audit.activity import ActivityQuery, BucketSize, activity_query
from asgi_audit.bodies import CAPTURE_LIMIT
from asgi_audit.capture import AuditMiddleware
from asgi_audit.errors import (
    AuditError,
    AuditUnavailable,
    InvalidCursor,
    InvalidQuery,
    RangeTooLarge,
    StoreReplaced,
    WriterClosed,
)
from asgi_audit.events import (
    ANONYMOUS,
    ENTRY,
    MODIFICATIONS,
    Action,
    Actor,
    ActorType,
    AuditEvent,
    Body,
    Changes,
    Outcome,
    Resource,
    canonical_bytes,
)
from asgi_audit.export import ExportFormat
from asgi_audit.policy import (
    SINGLE_TENANT,
    Attribution,
    AuditPolicy,
    Decision,
    RouteRule,
    Snapshot,
    SummaryInput,
    TenantInPath,
    TenantOf,
    default_summary,
    single_tenant,
)
from asgi_audit.query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_RANGE,
    MAX_RESOURCE_ID,
    MAX_TEXT,
    ActionType,
    AuditLog,
    AuditQuery,
    Order,
    Page,
    parse_query,
)
from asgi_audit.record import Field, Kind, Record
from asgi_audit.recorder import record_entry
from asgi_audit.redact import REDACTED, KeepFields, RedactBody, RedactKeys, Redactor, RedactQuery
from asgi_audit.routes import derive_rules, templates_of
from asgi_audit.store import AuditStore, MemoryAuditStore
from asgi_audit.store.port import Criteria, Position
from asgi_audit.store.schema import upgrade
from asgi_audit.store.sql import SqlAuditStore
from asgi_audit.vocabulary import Vocabulary
from asgi_audit.writer import AuditSink, AuditWriter

__all__ = [
    "ANONYMOUS",
    "CAPTURE_LIMIT",
    "DEFAULT_LIMIT",
    "ENTRY",
    "MAX_LIMIT",
    "MAX_RANGE",
    "MAX_RESOURCE_ID",
    "MAX_TEXT",
    "MODIFICATIONS",
    "REDACTED",
    "SINGLE_TENANT",
    "Action",
    "ActionType",
    "ActivityQuery",
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
    "BucketSize",
    "Changes",
    "Criteria",
    "Decision",
    "ExportFormat",
    "Field",
    "InvalidCursor",
    "InvalidQuery",
    "KeepFields",
    "Kind",
    "MemoryAuditStore",
    "Order",
    "Outcome",
    "Page",
    "Position",
    "RangeTooLarge",
    "Record",
    "RedactBody",
    "RedactKeys",
    "RedactQuery",
    "Redactor",
    "Resource",
    "RouteRule",
    "Snapshot",
    "SqlAuditStore",
    "StoreReplaced",
    "SummaryInput",
    "TenantInPath",
    "TenantOf",
    "Vocabulary",
    "WriterClosed",
    "activity_query",
    "canonical_bytes",
    "default_summary",
    "derive_rules",
    "parse_query",
    "record_entry",
    "single_tenant",
    "templates_of",
    "upgrade",
]
