"""Entries as the list shows them (`AuditEvent.to_dict()` without bodies), straight from rows.

An export reads every entry of a range, so it skips building `AuditEvent`s: the database
formats ids and instants as the API writes them, and either returns plain columns that become
each entry's JSON object in one step (`listing_columns`, `listed`), or writes each entry's JSON
text itself (`json_line`), leaving Python only to join the lines. Tests hold both equal to
`AuditEvent.to_dict()` on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    cast,
    func,
    literal,
    literal_column,
    null,
    type_coerce,
)

from callmanager.audit.store.tables import c
from callmanager.audit.types import JSONObject

_SQLITE_UUID = (
    "substr({0}, 1, 8) || '-' || substr({0}, 9, 4) || '-' || substr({0}, 13, 4) || '-' || "
    "substr({0}, 17, 4) || '-' || substr({0}, 21)"
)
"""SQLite keeps a UUID as 32 lowercase hex digits; the API writes it with hyphens."""

_PLAIN = (
    c.duration_ms, c.actor_type, c.actor_id, c.actor_email, c.actor_name, c.source, c.action,
    c.method, c.path, c.route, c.resource_type, c.resource_id, c.status, c.outcome, c.summary,
    c.client_ip, c.user_agent,
)  # fmt: skip


def _id_and_instant(dialect: str) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The entry's id and `occurred_at` as the API writes them, formatted by the database."""
    entry_id: ColumnElement[Any]
    instant: ColumnElement[Any]
    if dialect == "postgresql":
        entry_id = func.cast(c.id, String)
        instant = func.to_char(func.timezone("UTC", c.occurred_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    else:
        entry_id = literal_column(_SQLITE_UUID.format("id"), String)
        # SQLite keeps instants as naive UTC text, always with six fractional digits.
        instant = func.replace(literal_column("occurred_at", String), " ", "T") + "Z"
    return type_coerce(entry_id, String), type_coerce(instant, String)


def listing_columns(dialect: str) -> list[ColumnElement[Any]]:
    """The columns `listed` reads, in its order, for `dialect` ('sqlite' or 'postgresql').
    The tenant is not read: an export is of one tenant, whose id the caller knows."""
    return [*_id_and_instant(dialect), *_PLAIN]


def json_line(dialect: str, tenant_id: str) -> ColumnElement[str]:
    """One column: each entry of the tenant `tenant_id` as the JSON text of `listed`'s object,
    written by the database (SQLite's `json_object`, PostgreSQL's `json_build_object`). Its
    whitespace and number spelling are the database's; its values are the same."""
    postgres = dialect == "postgresql"
    build = func.json_build_object if postgres else func.json_object

    def obj(*pairs: tuple[str, ColumnElement[Any]]) -> ColumnElement[Any]:
        # Keys are this module's constants, written into the SQL as literals.
        return build(
            *(part for key, value in pairs for part in (literal_column(f"'{key}'"), value))
        )

    entry_id, instant = _id_and_instant(dialect)
    line = obj(
        ("id", entry_id),
        ("tenant_id", cast(literal(tenant_id), Text)),
        ("occurred_at", instant),
        ("duration_ms", c.duration_ms),
        (
            "actor",
            obj(
                ("type", c.actor_type),
                ("id", c.actor_id),
                ("email", c.actor_email),
                ("name", c.actor_name),
            ),
        ),
        ("source", c.source),
        ("action", c.action),
        ("method", c.method),
        ("path", c.path),
        ("route", c.route),
        ("resource", obj(("type", c.resource_type), ("id", c.resource_id))),
        ("status", c.status),
        ("outcome", c.outcome),
        ("summary", c.summary),
        ("request", null()),
        ("response", null()),
        ("client_ip", c.client_ip),
        ("user_agent", c.user_agent),
    )
    return type_coerce(cast(line, Text) if postgres else line, String)


def listed(row: Any, tenant_id: str) -> JSONObject:
    """One row of `listing_columns`, of the tenant `tenant_id`, as its entry's JSON object
    without bodies."""
    (
        entry_id, occurred_at, duration_ms, actor_type, actor_id, actor_email,
        actor_name, source, action, method, path, route, resource_type, resource_id, status,
        outcome, summary, client_ip, user_agent,
    ) = row  # fmt: skip
    return {
        "id": entry_id,
        "tenant_id": tenant_id,
        "occurred_at": occurred_at,
        "duration_ms": duration_ms,
        "actor": {"type": actor_type, "id": actor_id, "email": actor_email, "name": actor_name},
        "source": source,
        "action": action,
        "method": method,
        "path": path,
        "route": route,
        "resource": {"type": resource_type, "id": resource_id},
        "status": status,
        "outcome": outcome,
        "summary": summary,
        "request": None,
        "response": None,
        "client_ip": client_ip,
        "user_agent": user_agent,
    }
