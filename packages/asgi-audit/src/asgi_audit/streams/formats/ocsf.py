"""`ocsf`: an entry as an OCSF 1.5.0 API Activity event (class 6003, category 6).

Every field that has an OCSF home goes there (actor, api, http_request, src_endpoint, status,
time, metadata with `uid` = entry id and `sequence` = seq, resources); what has none (where the
call came from, the native outcome, an edit's changes, the bodies' descriptions) goes under
`unmapped`. The table in `docs/streams.md` lists each field; the tests validate every event they
make against the official schema.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from asgi_audit.streams.formats.outcomes import Gravity, gravity
from asgi_audit.streams.formats.reading import epoch_ms, ip_address, part, text
from asgi_audit.streams.types import Product, StreamEvent
from asgi_audit.types import JSON, JSONObject

OCSF_VERSION = "1.5.0"
CLASS_UID = 6003
CATEGORY_UID = 6
LOG_NAME = "audit_log"

ACTIVITIES = {
    "create": (1, "Create"),
    "read": (2, "Read"),
    "edit": (3, "Update"),
    "delete": (4, "Delete"),
}
"""The entry's `action` as OCSF `activity_id` and `activity_name`."""
OTHER_ACTIVITY = (99, "Other")

STATUSES = {
    Gravity.SUCCEEDED: (1, "Success"),
    Gravity.FAILED: (2, "Failure"),
    Gravity.REFUSED: (2, "Failure"),
    Gravity.UNKNOWN: (0, "Unknown"),
}
"""The outcome as OCSF `status_id` and `status`."""

SEVERITIES = {1: "Informational", 2: "Low", 3: "Medium", 4: "High"}

USER_TYPES = {"user": (1, "User"), "system": (3, "System"), "anonymous": (0, "Unknown")}
"""An actor's kind as OCSF `user.type_id` and `user.type`; any other kind (a host's own, such
as `partner`) is 99 Other, named after the kind."""

HTTP_METHODS = frozenset({"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"})
"""`http_request.http_method`'s enumeration in OCSF 1.5.0 (no PATCH: `api.operation` still
names it)."""

EMAIL = re.compile(r"^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$")
"""The pattern OCSF's `email_t` requires; an address it refuses is kept under `unmapped`."""


def ocsf(event: StreamEvent, product: Product) -> JSONObject:
    """`event` as an OCSF API Activity event."""
    entry = event.entry
    activity_id, activity_name = ACTIVITIES.get(text(entry, "action") or "", OTHER_ACTIVITY)
    weight = gravity(entry)
    status_id, status = STATUSES[weight]
    out: JSONObject = {
        "class_uid": CLASS_UID,
        "class_name": "API Activity",
        "category_uid": CATEGORY_UID,
        "category_name": "Application Activity",
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": CLASS_UID * 100 + activity_id,
        "type_name": f"API Activity: {activity_name}",
        "time": epoch_ms(entry),
        "severity_id": weight.ocsf_severity_id,
        "severity": SEVERITIES[weight.ocsf_severity_id],
        "status_id": status_id,
        "status": status,
        "actor": _actor(entry),
        "api": _api(entry),
        "http_request": _http_request(entry),
        "src_endpoint": _src_endpoint(entry),
        "metadata": _metadata(event, product),
        "unmapped": _unmapped(entry),
    }
    if (summary := text(entry, "summary")) is not None:
        out["message"] = summary
    if isinstance(code := entry.get("status"), int):
        out["status_code"] = str(code)
        out["http_response"] = _http_response(code)
        if weight in (Gravity.FAILED, Gravity.REFUSED) and summary is not None:
            out["status_detail"] = summary
    if isinstance(duration := entry.get("duration_ms"), int | float):
        out["duration"] = round(duration)
    if resources := _resources(entry):
        out["resources"] = resources
    return out


def _actor(entry: JSONObject) -> JSONObject:
    actor = part(entry, "actor")
    kind = text(actor, "type") or "anonymous"
    type_id, type_name = USER_TYPES.get(kind, (99, kind.capitalize()))
    user: JSONObject = {"type_id": type_id, "type": type_name}
    uid, email, name = text(actor, "id"), text(actor, "email"), text(actor, "name")
    if uid is not None:
        user["uid"] = uid
    if email is not None and EMAIL.match(email):
        user["email_addr"] = email
    # A Partner or an anonymous caller has no person: the kind is the name the tenant sees.
    user["name"] = name or email or type_name
    out: JSONObject = {"user": user}
    if kind == "system":
        out["app_name"] = name or uid or type_name
        if uid is not None:
            out["app_uid"] = uid
    return out


def _api(entry: JSONObject) -> JSONObject:
    method = text(entry, "method") or ""
    target = text(entry, "route") or _path_and_query(entry)[0]
    request: JSONObject = {"uid": str(entry.get("id"))}
    if (body := _body(entry, "request")) is not None:
        request["data"] = body
    out: JSONObject = {"operation": f"{method} {target}".strip(), "request": request}
    if isinstance(code := entry.get("status"), int):
        response: JSONObject = {"code": code}
        if (phrase := _phrase(code)) is not None:
            response["message"] = phrase
        if code >= 400:
            response["error"] = str(code)
            if (summary := text(entry, "summary")) is not None:
                response["error_message"] = summary
        if (body := _body(entry, "response")) is not None:
            response["data"] = body
        out["response"] = response
    return out


def _http_request(entry: JSONObject) -> JSONObject:
    path, query = _path_and_query(entry)
    url: JSONObject = {"path": path, "url_string": text(entry, "path") or path}
    if query:
        url["query_string"] = query
    out: JSONObject = {"url": url, "uid": str(entry.get("id"))}
    method = (text(entry, "method") or "").upper()
    if method in HTTP_METHODS:
        out["http_method"] = method
    if (agent := text(entry, "user_agent")) is not None:
        out["user_agent"] = agent
    request = part(entry, "request")
    if isinstance(size := request.get("size"), int):
        out["body_length"] = size
    return out


def _http_response(code: int) -> JSONObject:
    out: JSONObject = {"code": code}
    if (phrase := _phrase(code)) is not None:
        out["message"] = phrase
    return out


def _src_endpoint(entry: JSONObject) -> JSONObject:
    client = text(entry, "client_ip")
    if client is not None:
        address = ip_address(client)
        return {"name": client} if address is None else {"ip": str(address)}
    # OCSF requires the endpoint: without an address (a task, a concealed client) it is named
    # by where the call came from.
    return {"name": text(entry, "source") or "unknown"}


def _metadata(event: StreamEvent, product: Product) -> JSONObject:
    entry = event.entry
    out: JSONObject = {
        "uid": event.entry_id,
        "version": OCSF_VERSION,
        "product": {
            "name": product.name,
            "vendor_name": product.vendor,
            "version": product.version,
        },
        "log_name": LOG_NAME,
    }
    if isinstance(seq := entry.get("seq"), int):
        out["sequence"] = seq
    if (tenant := text(entry, "tenant_id")) is not None:
        out["tenant_uid"] = tenant
    if (occurred := text(entry, "occurred_at")) is not None:
        out["original_time"] = occurred
    if entry.get("test") is True:
        out["labels"] = ["test"]
    return out


def _resources(entry: JSONObject) -> list[JSON]:
    resource = part(entry, "resource")
    uid, name = text(resource, "id"), text(resource, "name")
    if uid is None and name is None:
        return []
    out: JSONObject = {}
    if (kind := text(resource, "type")) is not None:
        out["type"] = kind
    if uid is not None:
        out["uid"] = uid
    if name is not None:
        out["name"] = name
    return [out]


def _unmapped(entry: JSONObject) -> JSONObject:
    """What OCSF has no field for, under the entry's own names."""
    actor = part(entry, "actor")
    out: JSONObject = {
        "tenant_id": entry.get("tenant_id"),
        "source": entry.get("source"),
        "outcome": entry.get("outcome"),
        "actor_type": actor.get("type"),
    }
    email = text(actor, "email")
    if email is not None and not EMAIL.match(email):
        out["actor_email"] = email
    if (resource_type := text(part(entry, "resource"), "type")) is not None:
        out["resource_type"] = resource_type
    if "changes" in entry and entry["changes"] is not None:
        out["changes"] = entry["changes"]
    for name in ("request", "response"):
        body = part(entry, name)
        if body:
            out[name] = {key: value for key, value in body.items() if key != "body"}
    if entry.get("test") is True:
        out["test"] = True
    return out


def _path_and_query(entry: JSONObject) -> tuple[str, str]:
    path, _, query = (text(entry, "path") or "/").partition("?")
    return path, query


def _body(entry: JSONObject, name: str) -> JSON:
    """A body's JSON, when it was recorded as JSON (None otherwise)."""
    return part(entry, name).get("body")


def _phrase(code: int) -> str | None:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return None
