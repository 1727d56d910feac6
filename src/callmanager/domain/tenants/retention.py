"""How long a tenant's audit log is kept: its period in days, and the instant it is cut at.

The cut falls on a local midnight in the tenant's time zone, so "kept for 400 days: history
begins 2025-10-26" means every entry from that day's start on is kept, and none before it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 400
MIN_DAYS = 30
MAX_DAYS = 3650


def history_begins(days: int, time_zone: str, now: datetime) -> date:
    """The first local day kept: `days` days before the tenant's today."""
    return now.astimezone(ZoneInfo(time_zone)).date() - timedelta(days=days)


def prune_before(days: int, time_zone: str, now: datetime) -> datetime:
    """The instant entries are pruned before: the start of `history_begins`, in the tenant's
    time zone (the first instant of that day, whatever summer time does to midnight)."""
    return datetime.combine(history_begins(days, time_zone, now), time(), ZoneInfo(time_zone))
