"""Where entries are kept: the port, an in-memory store, and (in `sql`) SQLite/PostgreSQL.

This package is the only part of the audit engine that imports SQLAlchemy.
"""

from asgi_audit.store.memory import MemoryAuditStore
from asgi_audit.store.port import AuditStore, Criteria, Position

__all__ = ["AuditStore", "Criteria", "MemoryAuditStore", "Position"]
