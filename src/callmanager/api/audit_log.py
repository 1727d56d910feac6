"""The tenant's Audit Log: search (newest first, keyset pages), export, and one whole entry."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from callmanager.api.deps import AuditReader, DbSession, ServicesDep
from callmanager.audit import (
    MAX_LIMIT,
    AuditEvent,
    AuditLog,
    AuditQuery,
    InvalidQuery,
    parse_query,
)
from callmanager.domain.tenants.models import Tenant
from callmanager.errors import CallManagerError, NotFound

router = APIRouter(prefix="/tenants/{tenant_id}/audit-log", tags=["audit log"])

JSON_MEDIA_TYPE = "application/json"
CSV_COLUMNS = (
    "occurred_at", "id", "action", "summary", "actor_type", "actor", "source", "method", "path",
    "status", "outcome", "resource_type", "resource_id", "duration_ms", "client_ip", "user_agent",
)  # fmt: skip


class InvalidAuditQuery(CallManagerError):
    """A search parameter the audit log refuses."""

    status, type_slug, title = 400, "invalid-query", "Invalid query"


def search_query(
    access: AuditReader,
    db: DbSession,
    action_type: Annotated[str | None, Query(description="modifications (default), all, …")] = None,
    start: Annotated[str | None, Query(alias="from", description="ISO 8601; default today")] = None,
    end: Annotated[
        str | None, Query(alias="to", description="ISO 8601; a date is inclusive")
    ] = None,
    actor_type: Annotated[str | None, Query(description="user, system, partner, anonymous")] = None,
    actor: Annotated[str | None, Query(description="a user id or email")] = None,
    resource_type: str | None = None,
    status: Annotated[str | None, Query(description="2xx, 4xx, 5xx or one code")] = None,
    q: Annotated[str | None, Query(description="text in the path or the summary")] = None,
    limit: Annotated[str | None, Query(description=f"1 to {MAX_LIMIT}, default 50")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> AuditQuery:
    """The validated search; dates without a zone are read in the tenant's time zone."""
    time_zone = db.scalar(select(Tenant.time_zone).where(Tenant.id == access.tenant_id))
    try:
        return parse_query(
            access.tenant_id,
            action_type=action_type,
            start=start,
            end=end,
            actor_type=actor_type,
            actor=actor,
            resource_type=resource_type,
            status=status,
            q=q,
            limit=limit,
            cursor=cursor,
            tz=_zone(time_zone),
        )
    except InvalidQuery as exc:
        raise InvalidAuditQuery(exc.detail, parameter=exc.parameter) from exc


SearchQuery = Annotated[AuditQuery, Depends(search_query)]


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _json(value: Any) -> Response:
    return Response(orjson.dumps(value), media_type=JSON_MEDIA_TYPE)


def _pages(log: AuditLog, query: AuditQuery) -> Iterator[list[AuditEvent]]:
    """Every matching entry, newest first, a keyset page at a time: memory stays flat."""
    query = dataclasses.replace(query, limit=MAX_LIMIT, cursor=None)
    while True:
        page = log.search(query)
        yield page.items
        if page.next_cursor is None:
            return
        query = dataclasses.replace(query, cursor=page.next_cursor)


@router.get("", summary="Search the audit log")
def search_audit_log(query: SearchQuery, services: ServicesDep) -> Response:
    """`{"items": [...], "next_cursor": ...}`: entries newest first without their bodies;
    pass `next_cursor` back as `cursor` (with the same filters) for the next page."""
    try:
        page = services.audit_log.search(query)
    except InvalidQuery as exc:
        raise InvalidAuditQuery(exc.detail, parameter=exc.parameter) from exc
    return _json({"items": [e.to_dict() for e in page.items], "next_cursor": page.next_cursor})


@router.get("/export", summary="Export the audit log")
def export_audit_log(
    query: SearchQuery,
    services: ServicesDep,
    format: Literal["csv", "jsonl"] = "jsonl",
) -> StreamingResponse:
    """Every entry the search matches (cursor and limit ignored), as CSV or JSON Lines."""
    pages = _pages(services.audit_log, query)
    chunks: Iterator[str] | Iterator[bytes]
    if format == "csv":
        media, name, chunks = "text/csv; charset=utf-8", "audit-log.csv", _csv_chunks(pages)
    else:
        media, name, chunks = "application/x-ndjson", "audit-log.jsonl", _jsonl_chunks(pages)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(chunks, media_type=media, headers=headers)


@router.get("/{entry_id}", summary="One whole audit log entry")
def get_audit_entry(entry_id: str, access: AuditReader, services: ServicesDep) -> Response:
    """The entry with its request and response; 404 for an id this tenant has no entry with."""
    entry = services.audit_log.get(access.tenant_id, entry_id)
    if entry is None:
        raise NotFound("No such audit log entry.")
    return _json(entry.to_dict())


def _jsonl_chunks(pages: Iterator[list[AuditEvent]]) -> Iterator[bytes]:
    """One chunk per page: each chunk costs the stream a thread hop, a line would cost one each."""
    for page in pages:
        yield b"".join(orjson.dumps(entry.to_dict()) + b"\n" for entry in page)


def _csv_chunks(pages: Iterator[list[AuditEvent]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for page in pages:
        for entry in page:
            data = entry.to_dict()
            actor = entry.actor
            data.update(
                actor_type=actor.type.value,
                actor=actor.email or actor.name or actor.id or "",
                resource_type=entry.resource.type,
                resource_id=entry.resource.id,
            )
            writer.writerow(_cell(data.get(column)) for column in CSV_COLUMNS)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _cell(value: Any) -> str:
    """A CSV cell; a leading =, +, - or @ is quoted so spreadsheets don't run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
