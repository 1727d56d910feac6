"""The tenant's Audit Log: search (newest first, keyset pages), export, and one whole entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from asgi_audit import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_RESOURCE_ID,
    MAX_TEXT,
    ActionType,
    ActorType,
    AuditQuery,
    BucketSize,
    ExportFormat,
    InvalidQuery,
    Order,
    activity_query,
    parse_query,
)
from callmanager.api.audit_schemas import EXPORT_RESPONSE, AuditEntryOut, AuditPageOut
from callmanager.api.deps import AuditReader, DbSession, ServicesDep
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.schemas import INSTANT
from callmanager.api.streaming import PrefetchingStreamingResponse
from callmanager.audit_rules import VOCABULARY
from callmanager.domain.tenants.models import Tenant
from callmanager.domain.text import ONE_LINE
from callmanager.errors import NotFound

router = APIRouter(
    prefix="/tenants/{tenant_id}/audit-log", tags=["audit log"], route_class=OneHopRoute
)

JSON_MEDIA_TYPE = "application/json"
ActorKind = StrEnum("ActorKind", [(kind, kind) for kind in ActorType.registered])  # type: ignore[misc]
"""The kinds of caller registered when the routes are made (Call Manager's `partner` included),
as the enum the OpenAPI document lists for `actor_type`."""
STATUS = r"^[1-5]([xX]{2}|[0-9]{2})$"
CURSOR = r"^[A-Za-z0-9_-]{1,200}$"
MAX_SEQ = 2**62
"""Above any sequence number the store can hold."""


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters a search, an export and the activity chart share, as given; parsed in the
    endpoint's own worker-thread hop, where dates without a zone are read in the tenant's time
    zone (so reading that zone costs no hop of its own)."""

    tenant_id: uuid.UUID
    params: dict[str, Any]

    def zone(self, db: Session) -> ZoneInfo:
        """The tenant's time zone (UTC if it names none the system knows)."""
        return _zone(db.scalar(select(Tenant.time_zone).where(Tenant.id == self.tenant_id)))

    def query(self, db: Session, **more: Any) -> AuditQuery:
        """The validated query (`InvalidQuery` names the first bad parameter)."""
        return self.parse(self.zone(db), **more)

    def parse(self, tz: ZoneInfo, **more: Any) -> AuditQuery:
        return parse_query(self.tenant_id, tz=tz, **{**self.params, **more})


async def search_filters(
    access: AuditReader,
    action_type: Annotated[
        ActionType | None, Query(description="modifications (default), all, or one action")
    ] = None,
    start: Annotated[
        str | None,
        Query(
            alias="from",
            min_length=1,
            description="ISO 8601; default today",
            json_schema_extra=INSTANT,
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            alias="to",
            min_length=1,
            description="ISO 8601; a date is inclusive",
            json_schema_extra=INSTANT,
        ),
    ] = None,
    actor_type: Annotated[ActorKind | None, Query()] = None,
    actor: Annotated[
        str | None, Query(description="a user id or email", pattern=ONE_LINE, max_length=320)
    ] = None,
    resource_type: Annotated[str | None, Query(pattern=ONE_LINE, max_length=64)] = None,
    resource_id: Annotated[
        str | None,
        Query(
            description="exact; with `resource_type`, the history of one thing",
            pattern=ONE_LINE,
            max_length=MAX_RESOURCE_ID,
        ),
    ] = None,
    exclude_resource_type: Annotated[
        str | None,
        Query(
            description="leave this resource type's entries out", pattern=ONE_LINE, max_length=64
        ),
    ] = None,
    status: Annotated[
        str | None, Query(description="2xx, 4xx, 5xx or one code", pattern=STATUS)
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="text in the path, the summary, the actor (type, email, name: a System "
            "task's name) or the resource's name",
            pattern=ONE_LINE,
            max_length=MAX_TEXT,
        ),
    ] = None,
) -> Filters:
    """The filters as given (no I/O: FastAPI calls it on the event loop)."""
    params: dict[str, Any] = {
        "action_type": action_type,
        "start": start,
        "end": end,
        "actor_type": actor_type,
        "actor": actor,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "exclude_resource_type": exclude_resource_type,
        "status": status,
        "q": q,
    }
    return Filters(access.tenant_id, params)


FiltersDep = Annotated[Filters, Depends(search_filters)]


async def search_filters_and_page(
    filters: FiltersDep,
    order: Annotated[Order, Query(description="desc (newest first, default) or asc")] = Order.DESC,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(description="next_cursor of the previous page", pattern=CURSOR)
    ] = None,
) -> Filters:
    """The search's filters with its page (order, size, cursor), parsed by the endpoint."""
    more = {"order": order, "limit": limit, "cursor": cursor}
    return Filters(filters.tenant_id, {**filters.params, **more})


SearchDep = Annotated[Filters, Depends(search_filters_and_page)]


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def json_response(value: Any) -> Response:
    return Response(orjson.dumps(value), media_type=JSON_MEDIA_TYPE)


@router.get("", summary="Search the audit log", responses={200: {"model": AuditPageOut}})
def search_audit_log(search: SearchDep, db: DbSession, services: ServicesDep) -> Response:
    """`{"items": [...], "next_cursor": ...}`: entries newest first without their bodies;
    pass `next_cursor` back as `cursor` (with the same filters) for the next page."""
    page = services.audit_log.search(search.query(db))
    return json_response(
        {"items": [e.to_dict() for e in page.items], "next_cursor": page.next_cursor}
    )


@router.get(
    "/export",
    summary="Export the audit log",
    response_class=PrefetchingStreamingResponse,
    status_code=200,  # FastAPI cannot read it from this response class
    responses=EXPORT_RESPONSE,
)
def export_audit_log(
    search: SearchDep,
    db: DbSession,
    services: ServicesDep,
    request: Request,
    format: ExportFormat = ExportFormat.JSONL,
    seq_start: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="with `seq_end`: a range of the log")
    ] = None,
    seq_end: Annotated[int | None, Query(ge=0, le=MAX_SEQ, description="exclusive")] = None,
) -> PrefetchingStreamingResponse:
    """Every entry the search matches (cursor and limit ignored), newest first, as JSON Lines
    or CSV; streamed from one database read. Its first chunk is read before the status is sent,
    so a store that cannot be read is a 503 problem.

    JSON Lines verify alone: each line is the entry as the search lists it plus `leaf` (its
    base64 leaf bytes) and `inclusion_path` (base64 hashes proving it in the checkpoint of the
    last line, `{"checkpoint", "tree_size", "range"}`). With `seq_start`/`seq_end` the export
    is every entry of that range of the log instead, in `seq` order (`seq_end` clamped to the
    latest checkpoint's size, as `range` says): JSON Lines only, and without search filters."""
    headers = {"Content-Disposition": f'attachment; filename="{format.filename}"'}
    query = search.query(db)
    if seq_start is None and seq_end is None:
        chunks = services.audit_log.export(query, format)
    else:
        _whole_range(request, format)
        chunks = services.audit_log.export_range(query.criteria.tenant_id, seq_start, seq_end)
    return PrefetchingStreamingResponse(chunks, media_type=format.media_type, headers=headers)


NARROWING = (
    "from",
    "to",
    "actor_type",
    "actor",
    "resource_type",
    "resource_id",
    "exclude_resource_type",
    "status",
    "q",
)


def _whole_range(request: Request, format: ExportFormat) -> None:
    """An export of a `seq` range holds every entry of it: no filter may narrow it."""
    if format is not ExportFormat.JSONL:
        raise InvalidQuery("A `seq` range is exported as JSON Lines only.", "format")
    params = request.query_params
    action_type = params.get("action_type", "all").strip().lower()
    given = [name for name in NARROWING if params.get(name, "").strip()]
    if action_type != "all":
        given.insert(0, "action_type")
    if given:
        raise InvalidQuery(f"A `seq` range is exported whole: drop `{given[0]}`.", given[0])


@router.get("/activity", summary="The audit log's activity by hour or day")
def audit_log_activity(
    filters: FiltersDep,
    db: DbSession,
    services: ServicesDep,
    bucket: Annotated[
        BucketSize, Query(description="auto (default: hour up to 48 hours, else day), hour, day")
    ] = BucketSize.AUTO,
) -> Response:
    """`{"bucket", "time_zone", "from", "to", "totals", "buckets": [...]}`: the entries the
    search's filters match, counted per bucket (contiguous over [from, to), oldest first, zeros
    included; days start at the tenant's local midnight) in exclusive categories: succeeded
    `modifications` and `reads`, `refused` (401/403), `failed` (other 4xx/5xx), `unknown`."""
    tz = filters.zone(db)
    query = activity_query(filters.parse(tz).criteria, bucket, tz)
    return json_response(services.audit_log.activity(query))


@router.get("/vocabulary", summary="The words the Audit Log page shows")
def audit_log_vocabulary(_access: AuditReader) -> Response:
    """The filters' choices with their labels (action types, actions, actor types, statuses,
    resource types) and the record's fields, so no page restates them."""
    return json_response(VOCABULARY.to_json())


@router.get(
    "/{entry_id}", summary="One whole audit log entry", responses={200: {"model": AuditEntryOut}}
)
def get_audit_entry(entry_id: str, access: AuditReader, services: ServicesDep) -> Response:
    """The entry with its request and response; 404 for an id this tenant has no entry with."""
    entry = services.audit_log.get(access.tenant_id, entry_id)
    if entry is None:
        raise NotFound("No such audit log entry.")
    return json_response(entry.to_dict())
