"""The call log list: filters, a date range of at most 90 days, and an opaque keyset cursor.

Pages go newest first by (started_at, id); a cursor names the last row of a page, and the next
page starts strictly after it, so the database walks the index and never counts past rows.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from callmanager.db import utcnow
from callmanager.domain.calllogs.models import CallLog
from callmanager.domain.calllogs.schemas import (
    CallLogPage,
    CallLogRead,
    CallResult,
    CallType,
    Direction,
)
from callmanager.errors import BadQuery

DEFAULT_RANGE = timedelta(days=7)
MAX_RANGE = timedelta(days=90)
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_SEARCH_LENGTH = 100
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]+$")


@dataclass(frozen=True, slots=True)
class CallLogFilter:
    """What to list; a naive datetime is read as UTC. The range is [start, end)."""

    start: datetime | None = None
    end: datetime | None = None
    direction: Direction | None = None
    call_type: CallType | None = None
    result: CallResult | None = None
    search: str | None = None
    """Part of a phone number, or of the user's name or sign-in address."""


def resolve_range(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The concrete [start, end): the last 7 days by default, refused beyond 90 days."""
    end = _aware(end) if end is not None else now
    start = _aware(start) if start is not None else end - DEFAULT_RANGE
    if start >= end:
        raise BadQuery("The date range must start before it ends.")
    if end - start > MAX_RANGE:
        raise BadQuery(
            f"The date range may span at most {MAX_RANGE.days} days.", max_days=MAX_RANGE.days
        )
    return start, end


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def encode_cursor(started_at: datetime, call_id: uuid.UUID) -> str:
    raw = json.dumps([started_at.astimezone(UTC).isoformat(), str(call_id)]).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (started_at, id) a cursor names; BadQuery if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        started_at, call_id = json.loads(raw)
        return _aware(datetime.fromisoformat(started_at)), uuid.UUID(call_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadQuery("The cursor is not valid; start again from the first page.") from None


def list_call_logs(
    db: Session,
    tenant_id: uuid.UUID,
    filters: CallLogFilter,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    now: datetime | None = None,
) -> CallLogPage:
    """One page of the tenant's calls matching `filters`, newest first."""
    start, end = resolve_range(filters.start, filters.end, now or utcnow())
    limit = max(1, min(limit, MAX_LIMIT))
    conditions = [
        CallLog.tenant_id == tenant_id,
        CallLog.started_at >= start,
        CallLog.started_at < end,
        *_filter_conditions(filters),
    ]
    if cursor:
        after_time, after_id = decode_cursor(cursor)
        conditions.append(
            or_(
                CallLog.started_at < after_time,
                and_(CallLog.started_at == after_time, CallLog.id < after_id),
            )
        )
    rows = list(
        db.scalars(
            select(CallLog)
            .where(*conditions)
            .order_by(CallLog.started_at.desc(), CallLog.id.desc())
            .limit(limit + 1)
        )
    )
    page = rows[:limit]
    next_cursor = (
        encode_cursor(page[-1].started_at, page[-1].id) if len(rows) > limit and page else None
    )
    return CallLogPage(
        items=[CallLogRead.model_validate(row) for row in page],
        next_cursor=next_cursor,
        start=start,
        end=end,
    )


def _filter_conditions(filters: CallLogFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.direction is not None:
        conditions.append(CallLog.direction == filters.direction.value)
    if filters.call_type is not None:
        conditions.append(CallLog.call_type == filters.call_type.value)
    if filters.result is not None:
        conditions.append(CallLog.result == filters.result.value)
    search = (filters.search or "").strip()[:MAX_SEARCH_LENGTH]
    if search:
        conditions.append(or_(*_search_conditions(search)))
    return conditions


def _search_conditions(search: str) -> list[ColumnElement[bool]]:
    text = _like_pattern(search.lower())
    found: list[ColumnElement[bool]] = [
        func.lower(CallLog.user_name).like(text, escape="\\"),
        func.lower(CallLog.user_principal_name).like(text, escape="\\"),
    ]
    digits = re.sub(r"\D", "", search)
    if digits and _PHONE_LIKE.match(search):
        number = f"%{digits}%"
        found += [CallLog.from_number.like(number), CallLog.to_number.like(number)]
    return found


def _like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
