"""The audit package's public surface is deliberate, and its imports keep the layering."""

from __future__ import annotations

import ast
from pathlib import Path

import callmanager.audit as audit

PACKAGE = Path(audit.__file__).parent

EXPORTED = {
    # the record
    "AuditEvent", "Action", "ActorType", "Outcome", "Actor", "Resource", "Body", "ANONYMOUS",
    "MODIFICATIONS", "canonical_bytes", "REDACTED", "CAPTURE_LIMIT",
    # capture and its rules
    "AuditMiddleware", "AuditPolicy", "RouteRule", "Attribution", "SummaryInput",
    "default_summary",
    # writing and storing
    "AuditSink", "AuditWriter", "AuditStore", "MemoryAuditStore", "SqlAuditStore", "upgrade",
    # searching
    "AuditLog", "AuditQuery", "ActionType", "Page", "parse_query", "MAX_LIMIT", "MAX_RANGE",
    "DEFAULT_LIMIT", "MAX_TEXT", "ExportFormat",
    # errors
    "AuditError", "AuditUnavailable", "WriterClosed", "InvalidQuery", "InvalidCursor",
    "RangeTooLarge",
}  # fmt: skip


def test_the_package_exports_exactly_its_public_names() -> None:
    assert set(audit.__all__) == EXPORTED
    assert len(audit.__all__) == len(EXPORTED)
    for name in audit.__all__:
        assert getattr(audit, name) is not None


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_store_imports_sqlalchemy() -> None:
    outside = [
        path.relative_to(PACKAGE)
        for path in PACKAGE.rglob("*.py")
        if "store" not in path.relative_to(PACKAGE).parts
        and any(name.split(".")[0] in ("sqlalchemy", "alembic") for name in _imports(path))
    ]
    assert outside == []


def test_the_engine_imports_nothing_else_of_callmanager() -> None:
    foreign = {
        (str(path.relative_to(PACKAGE)), name)
        for path in PACKAGE.rglob("*.py")
        for name in _imports(path)
        if name.startswith("callmanager") and not name.startswith("callmanager.audit")
    }
    assert foreign == set()
