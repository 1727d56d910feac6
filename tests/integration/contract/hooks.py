"""schemathesis hooks: the rules of a valid request that JSON Schema cannot state.

A request the document allows must be accepted (`positive_data_acceptance`). A few of Call
Manager's rules tie values to each other or to the world outside the request: a search range's
two ends, a cursor the server signed, a phone number that exists, a user the tenant has, a time
zone the host knows, an address email-validator takes. `before_call` brings each request within
those rules just before it is sent, changing nothing else. schemathesis then judges the request
by what is sent: one still outside the document must be refused, one inside it accepted. Each
rule has its own tests elsewhere.
"""

from __future__ import annotations

import os
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import available_timezones

import phonenumbers
import schemathesis
from email_validator import EmailNotValidError, validate_email
from holidays import list_supported_countries
from schemathesis import Case

TENANT = "/api/v1/tenants/{tenant_id}"
AUDIT_SEARCHES = {
    f"{TENANT}/audit-log",
    f"{TENANT}/audit-log/export",
    f"{TENANT}/audit-log/activity",
}
"""Searches by the log's filters; one day's activity has at most 25 hourly buckets."""
CALL_LOGS = f"{TENANT}/call-logs"
CALL_FLOWS = {f"{TENANT}/call-flows", f"{TENANT}/call-flows/{{call_flow_id}}"}
WITH_EMAIL = {"/api/v1/auth/login", f"{TENANT}/invitations"}
CHECKPOINTS = f"{TENANT}/audit-log/checkpoints"
CONSISTENCY = f"{TENANT}/audit-log/consistency"
LEAVES = f"{TENANT}/audit-log/leaves"
EXPORT = f"{TENANT}/audit-log/export"
MAX_LEAVES = 10_000
STREAMS = {f"{TENANT}/audit-log/streams", f"{TENANT}/audit-log/streams/{{stream_id}}"}
UNREACHABLE = "127.0.0.1"
"""Where the contract's streams point (its server allows private hosts): nothing listens on
port 9, so a delivery or a test event fails at once, and nothing leaves the machine."""
SEARCH_FILTERS = (
    "action_type",
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

OWNER_ID_VAR = "CONTRACT_OWNER_ID"
"""The tenant's Owner: call flows route to them."""
NUMBERS = [
    f"+{number.country_code}{number.national_number}"
    for region in ("GB", "US", "DE", "FR", "JP", "AU", "BR", "IN")
    if (number := phonenumbers.example_number(region)) is not None
]
"""Numbers that exist, to stand in for the digits generated."""
TIME_ZONES = sorted(available_timezones())
YEARS = (1900, 2100)
"""Instants searched for are moved into these years: the edges of the calendar (year 1, year
9999) cannot be shifted into a time zone or widened into a range."""

D = TypeVar("D", date, datetime)
JSON = dict[str, Any]


@schemathesis.hook
def before_call(_context: Any, case: Case[Any], _kwargs: dict[str, Any]) -> None:
    path, query, body = case.operation.path, case.query, case.body
    if path in AUDIT_SEARCHES and isinstance(query, dict):
        _one_audit_day(query)
    elif path == CALL_LOGS and isinstance(query, dict):
        _one_call_log_hour(query)
    elif path in CALL_FLOWS and case.method in ("POST", "PUT") and isinstance(body, dict):
        _a_call_flow_that_can_exist(body)
    elif path == TENANT and isinstance(body, dict):
        _a_known_time_zone(body)
    elif path == CHECKPOINTS and isinstance(query, dict):
        query.pop("cursor", None)  # only valid as the server issued it
    elif path in (CONSISTENCY, LEAVES) and isinstance(query, dict):
        _a_range_of_the_log(query, "from" if path == CONSISTENCY else "start")
    elif path in STREAMS and case.method in ("POST", "PATCH") and isinstance(body, dict):
        _a_stream_that_can_be(body)
    if path == EXPORT and isinstance(query, dict):
        _a_whole_seq_range(query)
    if path in WITH_EMAIL and isinstance(body, dict) and "email" in body:
        body["email"] = _deliverable_form(body["email"])


def _a_stream_that_can_be(body: JSON) -> None:
    """A destination that is a URL or host at all (safety is judged by resolving it, which a
    schema cannot say), a HEC with its token, PEMs that load (none), CEF only on syslog, and a
    secret rotated only for a webhook (the kind a PATCH leaves is the stored one)."""
    destination = body.get("destination")
    kind = destination.get("kind") if isinstance(destination, dict) else None
    if isinstance(destination, dict):
        if "url" in destination:
            destination["url"] = f"http://{UNREACHABLE}:9/hook"
        if "host" in destination and kind == "syslog":
            destination["host"] = UNREACHABLE
        for pem in ("ca_pem", "client_cert_pem", "client_key_pem"):
            destination.pop(pem, None)
        if kind == "splunk_hec" and not destination.get("token"):
            destination["token"] = "contract-hec-token"
    if body.get("format") == "cef" and kind != "syslog":
        body["format"] = "native"
    if body.get("rotate_secret") is True and kind != "webhook":
        body["rotate_secret"] = False


def _one_audit_day(query: JSON) -> None:
    """A cursor is only valid as the server issued it; `from` and `to` must bound at most 366
    days in order, and either alone is measured against today: both become the same day."""
    query.pop("cursor", None)
    anchor = query.get("from") or query.get("to")
    if isinstance(anchor, str):
        query["from"] = query["to"] = _within_years(anchor)


def _a_range_of_the_log(query: JSON, first: str) -> None:
    """A range of the log starts before it ends, and a call reads at most 10 000 leaves."""
    last = "to" if first == "from" else "end"
    start, end = _whole(query.get(first)), _whole(query.get(last))
    if first == "start" and start is None and query.get(first) is None:
        start = 0  # the default
    if start is None or end is None:
        return
    start, end = min(start, end), max(start, end)
    query[first], query[last] = start, min(end, start + MAX_LEAVES) if first == "start" else end


def _whole(value: Any) -> int | None:
    """A whole number 0 or more as the query sends it (an int, or its digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _a_whole_seq_range(query: JSON) -> None:
    """An export of a `seq` range is JSON Lines of the whole range, in order: no filters."""
    start, end = query.get("seq_start"), query.get("seq_end")
    if start is None and end is None:
        return
    for name in SEARCH_FILTERS:
        query.pop(name, None)
    query["format"] = "jsonl"
    first, last = _whole(start), _whole(end)
    if first is not None and last is not None and first > last:
        query["seq_start"], query["seq_end"] = last, first


def _one_call_log_hour(query: JSON) -> None:
    """A cursor is only valid as the server issued it; `start` must come before `end`, at most
    90 days, and either alone is measured against the other's default: one hour from `start`."""
    query.pop("cursor", None)
    anchor = query.get("start") or query.get("end")
    try:
        start = datetime.fromisoformat(_within_years(anchor))
    except (TypeError, ValueError):
        return  # not a date-time as Python reads it: the server's answer will show it
    start = start if start.tzinfo else start.replace(tzinfo=UTC)  # RFC 3339 wants an offset
    query["start"], query["end"] = start.isoformat(), (start + timedelta(hours=1)).isoformat()


def _within_years(value: Any) -> Any:
    try:
        parsed = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    if YEARS[0] <= parsed.year <= YEARS[1]:
        return value
    return _in_year(parsed, 2000 + parsed.year % 100).isoformat()


def _in_year(value: D, year: int) -> D:
    """The same day in `year`, or the 28th for a 29 February the year lacks."""
    try:
        return value.replace(year=year)
    except ValueError:
        return value.replace(year=year, day=28)


def _a_call_flow_that_can_exist(body: JSON) -> None:
    """Real phone numbers and time zone, routing to a user the tenant has, opening hours that
    start before they end without overlapping, holidays of a country with a calendar, within
    their year, listed once."""
    _a_known_time_zone(body)
    if isinstance(body.get("phone_number"), str):
        body["phone_number"] = _real_number(body["phone_number"])
    if isinstance(body.get("routing"), dict):
        _routing_that_exists(body["routing"])
    if isinstance(body.get("business_hours"), dict):
        for day, ranges in body["business_hours"].items():
            if isinstance(ranges, list):
                body["business_hours"][day] = _apart(ranges)
    if isinstance(body.get("holidays"), dict):
        _holidays_in_their_years(body["holidays"])


def _a_known_time_zone(body: JSON) -> None:
    """The document gives a time zone's form, not the host's list of them."""
    zone = body.get("time_zone")
    if isinstance(zone, str) and 0 < len(zone) <= 64 and zone not in TIME_ZONES:
        body["time_zone"] = TIME_ZONES[zlib.crc32(zone.encode()) % len(TIME_ZONES)]


def _real_number(value: str) -> str:
    try:
        if phonenumbers.is_valid_number(phonenumbers.parse(value, None)):
            return value
    except phonenumbers.NumberParseException:
        pass
    return NUMBERS[zlib.crc32(value.encode()) % len(NUMBERS)]


def _routing_that_exists(routing: JSON) -> None:
    for when, target in routing.items():
        if not isinstance(target, dict):
            continue
        if target.get("kind") in ("group", "user"):
            # The run may delete any group, but never the Owner: the tenant's last one.
            routing[when] = {"kind": "user", "user_id": os.environ[OWNER_ID_VAR]}
        elif target.get("kind") == "phone_number" and isinstance(target.get("phone_number"), str):
            target["phone_number"] = _real_number(target["phone_number"])


def _apart(ranges: list[Any]) -> list[Any]:
    """Ranges in order, each starting before it ends and after the one before has ended."""
    if not all(isinstance(r, dict) and isinstance(r.get("start"), str) for r in ranges):
        return ranges
    kept: list[Any] = []
    for hours in sorted(ranges, key=lambda r: str(r["start"])):
        end = hours.get("end")
        after_the_last = not kept or kept[-1]["end"] <= hours["start"]
        if isinstance(end, str) and hours["start"] < end and after_the_last:
            kept.append(hours)
    return kept


def _holidays_in_their_years(holidays: JSON) -> None:
    calendars = list_supported_countries()
    country, subdivision = holidays.get("country"), holidays.get("subdivision")
    if isinstance(country, str) and country not in calendars:
        holidays["country"] = country = None
    if isinstance(subdivision, str) and (
        not isinstance(country, str) or subdivision not in calendars[country]
    ):
        holidays["subdivision"] = None
    if not isinstance(holidays.get("years"), list):
        return
    years: dict[Any, JSON] = {}
    for listed in holidays["years"]:
        if isinstance(listed, dict) and isinstance(listed.get("year"), int | float):
            listed["year"] = int(listed["year"])  # JSON Schema's integers include 2000.0
            years.setdefault(listed["year"], listed)
            if isinstance(listed.get("days"), list):
                listed["days"] = _days_of(listed["year"], listed["days"])
    holidays["years"] = list(years.values())


def _days_of(year: int, days: list[Any]) -> list[Any]:
    """Each day moved into `year`, listed once; public days do not renew."""
    kept: dict[Any, Any] = {}
    for day in days:
        try:
            day["date"] = _in_year(date.fromisoformat(day["date"]), year).isoformat()
            key = (day["date"], str(day["name"]).strip())
        except (KeyError, TypeError, ValueError):
            return days
        if day.get("kind") == "public":
            day["auto_renew"] = False
        kept.setdefault(key, day)
    return list(kept.values())


def _deliverable_form(email: Any) -> Any:
    """JSON Schema's `email` takes forms email-validator refuses (quoted parts, special-use
    domains such as `.local`)."""
    if not isinstance(email, str):
        return email
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return f"someone-{zlib.crc32(email.encode()) % 1000}@contoso.example"
    return email
