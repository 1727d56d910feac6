"""A tenant's log streams: list, create, read, change, delete, pause, resume, send a test event.

Owners change streams; Writers and Readers see them; Tenant Setup does not. Secrets (a webhook's
`whsec_` secret, a HEC token, a syslog client's certificate and key) are never returned, except
a webhook secret the call that issued it shows once.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import anyio.from_thread
import orjson
from fastapi import APIRouter, Response, status
from pydantic import Field, StrictBool
from sqlalchemy import event
from sqlalchemy.orm import Session

from asgi_audit import ANONYMOUS, Action, ActionType, AuditEvent, AuditStore, Outcome, Resource
from asgi_audit.events import new_entry_id
from asgi_audit.streams import DeliveryError, StreamEvent
from asgi_audit.streams.formats import StreamFormat
from callmanager.api.deps import AuditReader, DbSession, ServicesDep, TenantOwner
from callmanager.api.one_hop import OneHopRoute
from callmanager.api.openapi import problem_responses
from callmanager.api.schemas import Name, RequestBody, ResponseBody
from callmanager.domain.text import lines, one_line
from callmanager.services import Services
from callmanager.streams import service
from callmanager.streams.destinations import build_destination
from callmanager.streams.health import health
from callmanager.streams.models import LogStream, Status
from callmanager.streams.secrets import SecretBox, SecretsUnreadable

log = logging.getLogger("callmanager.streams")

MAX_SEQ = 2**53 - 1
"""The largest `from_seq`: a JSON number every client reads exactly (and far above any log)."""

router = APIRouter(
    prefix="/tenants/{tenant_id}/audit-log/streams",
    tags=["audit log streams"],
    route_class=OneHopRoute,
)

Url = Annotated[str, one_line(2000)]
Host = Annotated[str, one_line(253)]
Pem = Annotated[str, lines(20_000)]
Label = Annotated[str, one_line(100)]


class WebhookIn(RequestBody):
    """HTTPS POSTs signed per Standard Webhooks; the secret is made by the server."""

    kind: Literal["webhook"]
    url: Url


class SyslogIn(RequestBody):
    """RFC 5424 over TCP, octet-counted; TLS (RFC 5425) when `tls`."""

    kind: Literal["syslog"]
    host: Host
    port: int = Field(default=6514, ge=1, le=65535)
    tls: StrictBool = True
    ca_pem: Pem | None = None
    client_cert_pem: Pem | None = None
    client_key_pem: Pem | None = None


class HecIn(RequestBody):
    """Splunk's HTTP Event Collector at `url` (`/services/collector/event` is added)."""

    kind: Literal["splunk_hec"]
    url: Url
    token: Annotated[str, one_line(200)] | None = None
    host: Host | None = None
    source: Label = "callmanager"
    sourcetype: Label = "callmanager:audit"
    index: Label | None = None
    ca_pem: Pem | None = None
    """The CA that issued the collector's certificate, trusted alone (Splunk's default
    certificate is self-signed)."""


DestinationIn = Annotated[WebhookIn | SyslogIn | HecIn, Field(discriminator="kind")]


class FromSeq(RequestBody):
    from_seq: int = Field(ge=0, le=MAX_SEQ)


class StreamIn(RequestBody):
    name: Name
    destination: DestinationIn
    format: StreamFormat = StreamFormat.NATIVE
    action_type: ActionType = ActionType.ALL
    start: Literal["now"] | FromSeq = "now"


class StreamPatch(RequestBody):
    name: Name | None = None
    destination: DestinationIn | None = None
    format: StreamFormat | None = None
    action_type: ActionType | None = None
    rotate_secret: StrictBool = False


class WebhookOut(ResponseBody):
    kind: Literal["webhook"]
    url: str
    has_secret: bool


class SyslogOut(ResponseBody):
    kind: Literal["syslog"]
    host: str
    port: int
    tls: bool
    ca_pem: str | None
    has_client_key: bool


class HecOut(ResponseBody):
    kind: Literal["splunk_hec"]
    url: str
    host: str | None
    source: str
    sourcetype: str
    index: str | None
    ca_pem: str | None = None
    has_token: bool


class LastError(ResponseBody):
    at: datetime
    status: int | None
    excerpt: str


class HealthOut(ResponseBody):
    status: Status
    cursor_seq: int | None = Field(description="The last seq the receiver acknowledged.")
    last_success_at: datetime | None
    last_error: LastError | None
    lag_entries: int = Field(description="Places in the log after the cursor.")
    lag_seconds: float = Field(description="How long the oldest undelivered entry has waited.")
    undelivered: int = Field(description="Entries not delivered when the retry window ended.")


class StreamSettings(ResponseBody):
    """A stream's configuration: what its edits change."""

    id: uuid.UUID
    name: str
    destination: Annotated[WebhookOut | SyslogOut | HecOut, Field(discriminator="kind")]
    format: StreamFormat
    action_type: ActionType
    start_seq: int
    created_at: datetime
    updated_at: datetime


class StreamOut(StreamSettings):
    health: HealthOut


class StreamIssued(StreamOut):
    """A stream as the call that issued its webhook secret returns it: the secret, once."""

    secret: str | None = Field(default=None, description="The `whsec_` secret, shown once.")


class StreamList(ResponseBody):
    items: list[StreamOut]


class TestResult(ResponseBody):
    delivered: bool
    status: int | None = Field(description="The receiver's HTTP status, if it answered one.")
    answer: str = Field(description="What the receiver answered, or why it could not.")
    seq: None = Field(default=None, description="Always null: a test event has no place.")


_HAS_SECRET = {"webhook": "has_secret", "syslog": "has_client_key", "splunk_hec": "has_token"}


def stream_json(stream: LogStream, store: AuditStore | None) -> dict[str, Any]:
    """A stream as the API shows it (with its health when `store` is given); never a secret."""
    destination: dict[str, Any] = {**stream.destination, "kind": stream.kind}
    destination[_HAS_SECRET[stream.kind]] = bool(stream.secrets)
    out: dict[str, Any] = {
        "id": stream.id,
        "name": stream.name,
        "destination": destination,
        "format": stream.format,
        "action_type": stream.action_type,
        "start_seq": stream.start_seq,
        "created_at": stream.created_at,
        "updated_at": stream.updated_at,
    }
    if store is not None:
        out["health"] = health(stream, store)
    return out


def _out(stream: LogStream, services: Services) -> StreamOut:
    return StreamOut.model_validate(stream_json(stream, services.audit_store))


def _issued(stream: LogStream, services: Services, secret: str | None, code: int) -> Response:
    body = _out(stream, services).model_dump(mode="json")
    if secret is not None:  # shown this once: `StreamIssued`
        body["secret"] = secret
    return Response(orjson.dumps(body), status_code=code, media_type="application/json")


def _deliver_once_committed(db: Session, services: Services) -> None:
    """A new or resumed stream is taken by this process's deliverer as soon as the change is
    committed, not at its next look (up to a second later)."""
    deliverer = services.deliverer
    if deliverer is not None:
        event.listen(db, "after_commit", lambda _session: deliverer.look_now(), once=True)


def _context(services: Services) -> service.Context:
    box = SecretBox(services.settings.resolved_secret_key)
    return service.Context(box, services.settings.streams_allow_private)


@router.get("", response_model=StreamList, summary="List the log streams")
def list_streams(access: AuditReader, db: DbSession, services: ServicesDep) -> StreamList:
    streams = service.list_streams(db, access.tenant_id)
    return StreamList(items=[_out(s, services) for s in streams])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a log stream",
    response_class=Response,
    responses={201: {"model": StreamIssued, "description": "The stream (a webhook's secret once)"}},
)
def create_stream(
    body: StreamIn, access: TenantOwner, db: DbSession, services: ServicesDep
) -> Response:
    """Starts `now` (after the log's last entry) or `{"from_seq": N}` (backfills from N)."""
    from_seq = body.start.from_seq if isinstance(body.start, FromSeq) else None
    head = None if from_seq is not None else services.audit_store.log_head(access.tenant_id)
    stream, secret = service.create_stream(
        db,
        _context(services),
        access.tenant_id,
        name=body.name,
        destination=body.destination.model_dump(),
        fmt=body.format.value,
        action_type=body.action_type.value,
        from_seq=from_seq,
        head=head,
    )
    _deliver_once_committed(db, services)
    return _issued(stream, services, secret, status.HTTP_201_CREATED)


@router.get("/{stream_id}", response_model=StreamOut, summary="One log stream")
def get_stream(
    stream_id: uuid.UUID, access: AuditReader, db: DbSession, services: ServicesDep
) -> StreamOut:
    return _out(service.get_stream(db, access.tenant_id, stream_id), services)


@router.patch(
    "/{stream_id}",
    summary="Change a log stream",
    response_class=Response,
    responses={200: {"model": StreamIssued, "description": "The stream (a new secret once)"}},
)
def update_stream(
    stream_id: uuid.UUID,
    body: StreamPatch,
    access: TenantOwner,
    db: DbSession,
    services: ServicesDep,
) -> Response:
    """A destination's secrets are kept unless given; `rotate_secret` issues a webhook a new
    secret (shown once)."""
    changes = body.model_dump(exclude_unset=True)
    if body.destination is not None:
        changes["destination"] = body.destination.model_dump()
    for key in ("format", "action_type"):
        if changes.get(key) is not None:
            changes[key] = changes[key].value
    stream, secret = service.update_stream(
        db, _context(services), access.tenant_id, stream_id, changes
    )
    return _issued(stream, services, secret, status.HTTP_200_OK)


@router.delete(
    "/{stream_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a log stream"
)
def delete_stream(stream_id: uuid.UUID, access: TenantOwner, db: DbSession) -> None:
    service.delete_stream(db, access.tenant_id, stream_id)


@router.post("/{stream_id}/pause", response_model=StreamOut, summary="Pause a log stream")
def pause_stream(
    stream_id: uuid.UUID, access: TenantOwner, db: DbSession, services: ServicesDep
) -> StreamOut:
    return _out(service.pause_stream(db, access.tenant_id, stream_id), services)


@router.post("/{stream_id}/resume", response_model=StreamOut, summary="Resume a log stream")
def resume_stream(
    stream_id: uuid.UUID, access: TenantOwner, db: DbSession, services: ServicesDep
) -> StreamOut:
    """Delivery goes on from the cursor: nothing is skipped."""
    resumed = service.resume_stream(db, access.tenant_id, stream_id)
    _deliver_once_committed(db, services)
    return _out(resumed, services)


@router.post(
    "/{stream_id}/test",
    response_model=TestResult,
    summary="Send a test event",
    responses=problem_responses(503),
)
def test_stream(
    stream_id: uuid.UUID, access: TenantOwner, db: DbSession, services: ServicesDep
) -> TestResult:
    """One event shaped like an entry, marked `"test": true`, with no `seq`; the answer says
    what the receiver said. The stream's cursor does not move."""
    stream = service.get_stream(db, access.tenant_id, stream_id)
    box = SecretBox(services.settings.resolved_secret_key)
    settings = services.settings
    try:
        destination = build_destination(
            stream.kind,
            stream.destination,
            box.open(stream.id, stream.secrets),
            stream.format,
            allow_private=settings.streams_allow_private,
            timeout=settings.stream_timeout_s,
        )
    except (SecretsUnreadable, ValueError) as exc:  # e.g. TLS material that no longer loads
        return TestResult(delivered=False, status=None, answer=f"not sent: {exc}"[:300])
    event = StreamEvent({**_test_entry(stream).to_dict(), "test": True})
    try:
        answer = anyio.from_thread.run(destination.send, [event])
    except DeliveryError as exc:
        return TestResult(delivered=False, status=exc.status, answer=exc.excerpt)
    except Exception as exc:  # a destination's own fault is reported, never a 500
        log.exception("log stream %s: the test event could not be sent", stream.id)
        return TestResult(delivered=False, status=None, answer=f"not sent: {type(exc).__name__}")
    finally:
        anyio.from_thread.run(destination.aclose)
    return TestResult(delivered=True, status=_status_of(answer), answer=answer[:300])


def _test_entry(stream: LogStream) -> AuditEvent:
    """What a test event carries: an entry as the log would hold it, naming its stream."""
    now = datetime.now(UTC)
    path = f"/api/v1/tenants/{stream.tenant_id}/audit-log/streams/{stream.id}/test"
    return AuditEvent(
        id=new_entry_id(now),
        tenant_id=stream.tenant_id,
        occurred_at=now,
        actor=ANONYMOUS,
        source="Call Manager",
        action=Action.CREATE,
        method="POST",
        path=path,
        route="/api/v1/tenants/{tenant_id}/audit-log/streams/{stream_id}/test",
        resource=Resource("log_stream", str(stream.id), stream.name),
        summary=f"Test event of log stream '{stream.name}'",
        outcome=Outcome.SUCCEEDED,
        status=200,
    )


_STATUS = re.compile(r"^([1-5][0-9]{2})\b")


def _status_of(answer: str) -> int | None:
    found = _STATUS.match(answer)
    return int(found.group(1)) if found else None
