"""Call Logs of a tenant: the read-only, filtered, keyset-paged list of PSTN calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from callmanager.api.deps import DbSession, TenantReader
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.schemas import Instant
from callmanager.domain.calllogs.query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_SEARCH_LENGTH,
    CallLogFilter,
    list_call_logs,
)
from callmanager.domain.calllogs.schemas import CallLogPage, CallResult, CallType, Direction
from callmanager.domain.text import ONE_LINE

router = APIRouter(
    prefix="/tenants/{tenant_id}/call-logs", tags=["call logs"], route_class=OneHopRoute
)


@router.get("", response_model=CallLogPage)
def list_calls(
    access: TenantReader,
    db: DbSession,
    start: Annotated[
        Instant | None, Query(description="From this instant (default: 7 days before `end`).")
    ] = None,
    end: Annotated[Instant | None, Query(description="Until this instant (default: now).")] = None,
    direction: Direction | None = None,
    call_type: CallType | None = None,
    result: CallResult | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH_LENGTH,
            pattern=ONE_LINE,
            description="Part of a number or user name.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CallLogPage:
    """Newest first; at most 90 days per query (more is a 400); naive times are UTC."""
    filters = CallLogFilter(
        start=start, end=end, direction=direction, call_type=call_type, result=result, search=q
    )
    return list_call_logs(db, access.tenant_id, filters, limit=limit, cursor=cursor)
