"""What the API does with a tenant's streams: create, list, read, change, pause, resume,
delete; destinations checked for safety, secrets generated, sealed and never handed back."""

from __future__ import annotations

import base64
import secrets as random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asgi_audit.store.port import LogHead
from asgi_audit.streams import UnsafeDestination, check_host, check_url
from asgi_audit.streams.formats import StreamFormat
from callmanager.db import utcnow
from callmanager.errors import Conflict, Invalid, NotFound
from callmanager.streams.models import Kind, LogStream, Status
from callmanager.streams.secrets import SecretBox

MAX_STREAMS = 20
"""Streams one tenant may have."""

SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    Kind.WEBHOOK: ("secret",),
    Kind.SYSLOG: ("client_cert_pem", "client_key_pem"),
    Kind.SPLUNK_HEC: ("token",),
}
"""The destination fields that are sealed, never stored in the clear nor shown."""

FORMATS: dict[str, frozenset[StreamFormat]] = {
    Kind.WEBHOOK: frozenset({StreamFormat.NATIVE, StreamFormat.OCSF}),
    Kind.SYSLOG: frozenset(StreamFormat),
    Kind.SPLUNK_HEC: frozenset({StreamFormat.NATIVE, StreamFormat.OCSF}),
}
"""The formats each kind carries: CEF is a line of text, for syslog only."""


@dataclass(frozen=True, slots=True)
class Context:
    """What the service needs besides the session: the secret box and the safety setting."""

    box: SecretBox
    allow_private: bool


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(random.token_bytes(32)).decode()


def list_streams(db: Session, tenant_id: uuid.UUID) -> list[LogStream]:
    query = (
        select(LogStream)
        .where(LogStream.tenant_id == tenant_id)
        .order_by(LogStream.created_at, LogStream.id)
    )
    return list(db.scalars(query))


def get_stream(db: Session, tenant_id: uuid.UUID, stream_id: uuid.UUID) -> LogStream:
    stream = db.get(LogStream, stream_id)
    if stream is None or stream.tenant_id != tenant_id:
        raise NotFound("No such stream.")
    return stream


def create_stream(
    db: Session,
    ctx: Context,
    tenant_id: uuid.UUID,
    *,
    name: str,
    destination: Mapping[str, Any],
    fmt: str,
    action_type: str,
    from_seq: int | None,
    head: LogHead | None,
) -> tuple[LogStream, str | None]:
    """The new stream, and its webhook secret when it has one (shown this once).

    `from_seq` None starts after the log's current head (`now`)."""
    count = db.scalar(select(func.count()).where(LogStream.tenant_id == tenant_id)) or 0
    if count >= MAX_STREAMS:
        raise Conflict(f"A tenant may have at most {MAX_STREAMS} streams.")
    kind = destination["kind"]
    _check_format(kind, fmt)
    public, sealed = _split(kind, destination, {}, ctx)
    shown = sealed.get("secret") if kind == Kind.WEBHOOK else None
    start = from_seq if from_seq is not None else (head.seq + 1 if head else 0)
    now = utcnow()
    stream = LogStream(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        name=name,
        kind=kind,
        destination=public,
        format=fmt,
        action_type=action_type,
        start_seq=start,
        cursor_seq=None,
        revision=1,
        status=Status.ACTIVE.value,
        undelivered=0,
        created_at=now,
        updated_at=now,
    )
    stream.secrets = ctx.box.seal(stream.id, sealed) if sealed else None
    db.add(stream)
    db.flush()
    return stream, shown


def update_stream(
    db: Session,
    ctx: Context,
    tenant_id: uuid.UUID,
    stream_id: uuid.UUID,
    changes: Mapping[str, Any],
) -> tuple[LogStream, str | None]:
    """Apply `changes` (name, destination, format, action_type, rotate_secret); returns the
    stream and its new webhook secret when one was issued."""
    stream = get_stream(db, tenant_id, stream_id)
    kind = stream.kind
    shown: str | None = None
    destination = changes.get("destination")
    if destination is not None:
        kind = destination["kind"]
        kept = ctx.box.open(stream.id, stream.secrets) if kind == stream.kind else {}
        public, sealed = _split(kind, destination, kept, ctx)
        if kind == Kind.WEBHOOK and "secret" not in kept:
            shown = sealed["secret"]
        stream.kind, stream.destination = kind, public
        stream.secrets = ctx.box.seal(stream.id, sealed) if sealed else None
    if changes.get("rotate_secret"):
        if kind != Kind.WEBHOOK:
            raise Invalid("Only a webhook stream has a secret to rotate.")
        shown = new_webhook_secret()
        opened = ctx.box.open(stream.id, stream.secrets)
        stream.secrets = ctx.box.seal(stream.id, {**opened, "secret": shown})
    fmt = changes.get("format") or stream.format
    _check_format(kind, fmt)
    stream.format = fmt
    if changes.get("name") is not None:
        stream.name = changes["name"]
    if changes.get("action_type") is not None:
        stream.action_type = changes["action_type"]
    if destination is not None and stream.status == Status.FAILING.value:
        # A new destination is what a failing stream waited for: it is tried again.
        stream.status, stream.failing_since, stream.undelivered = Status.ACTIVE.value, None, 0
    stream.revision += 1
    stream.updated_at = utcnow()
    db.flush()
    return stream, shown


def pause_stream(db: Session, tenant_id: uuid.UUID, stream_id: uuid.UUID) -> LogStream:
    stream = get_stream(db, tenant_id, stream_id)
    stream.status = Status.PAUSED.value
    stream.updated_at = utcnow()
    db.flush()
    return stream


def resume_stream(db: Session, tenant_id: uuid.UUID, stream_id: uuid.UUID) -> LogStream:
    """Deliver again from the cursor (after a pause, or a failure the receiver's side fixed)."""
    stream = get_stream(db, tenant_id, stream_id)
    stream.status = Status.ACTIVE.value
    stream.failing_since = None
    stream.undelivered = 0
    stream.updated_at = utcnow()
    db.flush()
    return stream


def delete_stream(db: Session, tenant_id: uuid.UUID, stream_id: uuid.UUID) -> LogStream:
    stream = get_stream(db, tenant_id, stream_id)
    db.delete(stream)
    db.flush()
    return stream


def _check_format(kind: str, fmt: str) -> None:
    if StreamFormat(fmt) not in FORMATS[kind]:
        raise Invalid(f"The {fmt} format is for syslog streams only.")


def _split(
    kind: str, given: Mapping[str, Any], kept: Mapping[str, Any], ctx: Context
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A destination as given, checked, split into what is shown and what is sealed; a secret
    not given keeps its stored value."""
    fields = SECRET_FIELDS[kind]
    public = {k: v for k, v in given.items() if k not in fields}
    sealed = {k: given.get(k) or kept.get(k) for k in fields if given.get(k) or kept.get(k)}
    try:
        if kind == Kind.SYSLOG:
            check_host(public["host"], public["port"], ctx.allow_private)
        else:
            check_url(public["url"], allow_private=ctx.allow_private)
    except UnsafeDestination as exc:
        raise Invalid(f"Unsafe destination: {exc}.") from exc
    if kind == Kind.WEBHOOK:
        sealed.setdefault("secret", new_webhook_secret())
    elif kind == Kind.SPLUNK_HEC and not sealed.get("token"):
        raise Invalid("A Splunk HEC destination needs its `token`.")
    if kind == Kind.SPLUNK_HEC and public.get("ca_pem"):
        _check_ca(public["ca_pem"])
    elif kind == Kind.SYSLOG:
        _check_tls(public, sealed)
    return public, sealed


def _check_tls(public: Mapping[str, Any], sealed: Mapping[str, Any]) -> None:
    """The PEMs a syslog destination was given must load (and come as a pair for a client)."""
    if bool(sealed.get("client_cert_pem")) != bool(sealed.get("client_key_pem")):
        raise Invalid("A client certificate needs its key, and a key its certificate.")
    if (public.get("ca_pem") or sealed) and not public.get("tls"):
        raise Invalid("Certificates are for TLS: set `tls` to true.")
    if public.get("ca_pem"):
        _check_ca(public["ca_pem"])
    try:
        if sealed.get("client_cert_pem"):
            x509.load_pem_x509_certificate(sealed["client_cert_pem"].encode())
            load_pem_private_key(sealed["client_key_pem"].encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise Invalid(
            "A certificate or key is not valid PEM (keys must not be encrypted)."
        ) from exc


def _check_ca(pem: str) -> None:
    try:
        x509.load_pem_x509_certificates(pem.encode())
    except (ValueError, TypeError) as exc:
        raise Invalid("`ca_pem` is not a valid PEM CA certificate.") from exc
