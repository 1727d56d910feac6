"""The audit record: one frozen `AuditEvent` per API call, its enums, and its canonical bytes."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import ClassVar

import orjson

from asgi_audit.record import Field, Kind, Record
from asgi_audit.types import JSON, JSONObject

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Action(StrEnum):
    """What a call did; derived from the method unless a route rule says otherwise."""

    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    READ = "read"

    @classmethod
    def of_method(cls, method: str) -> Action:
        """GET/HEAD/OPTIONS read, POST creates, PUT/PATCH edit, DELETE deletes."""
        return _METHOD_ACTIONS.get(method.upper(), cls.READ)

    @property
    def is_modification(self) -> bool:
        return self is not Action.READ


_METHOD_ACTIONS = {
    "POST": Action.CREATE,
    "PUT": Action.EDIT,
    "PATCH": Action.EDIT,
    "DELETE": Action.DELETE,
}

MODIFICATIONS = frozenset({Action.CREATE, Action.EDIT, Action.DELETE})
"""The actions the log shows by default."""


class _Kinds(type):
    def __iter__(cls) -> Iterator[ActorType]:
        return iter(list(ActorType.registered.values()))


class ActorType(str, metaclass=_Kinds):
    """Who made a call. `user`, `system` (a background task) and `anonymous` are built in; a
    host registers the kinds it has beyond them (`ActorType.register("partner")`), which the
    search accepts and the vocabulary lists. Iterating the class gives every registered kind.

    A stored kind this process never registered still reads back, as an unregistered value.
    """

    __slots__ = ()
    registered: ClassVar[dict[str, ActorType]] = {}
    USER: ClassVar[ActorType]
    SYSTEM: ClassVar[ActorType]
    ANONYMOUS: ClassVar[ActorType]

    def __new__(cls, value: str) -> ActorType:
        known = cls.registered.get(value)
        return known if known is not None else str.__new__(cls, value)

    @classmethod
    def register(cls, value: str) -> ActorType:
        """The kind named `value`, registered once (registering again returns the same)."""
        if value not in cls.registered:
            cls.registered[value] = str.__new__(cls, value)
        return cls.registered[value]

    @property
    def value(self) -> str:
        return str.__str__(self)


ActorType.USER = ActorType.register("user")
ActorType.SYSTEM = ActorType.register("system")
ActorType.ANONYMOUS = ActorType.register("anonymous")


class Outcome(StrEnum):
    """`unknown` until the response's status is stored (and forever if the process died)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @classmethod
    def of_status(cls, status: int) -> Outcome:
        return cls.SUCCEEDED if status < 400 else cls.FAILED


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller as the tenant may see it: partner staff and tasks carry no person."""

    type: ActorType
    id: str | None = None
    email: str | None = None
    """Lowercase: an actor is found by email whatever case it was typed in."""
    name: str | None = None

    def __post_init__(self) -> None:
        if self.email is not None and (lowered := self.email.lower()) != self.email:
            object.__setattr__(self, "email", lowered)

    def to_dict(self) -> JSONObject:
        return {"type": self.type.value, "id": self.id, "email": self.email, "name": self.name}


ANONYMOUS = Actor(ActorType.ANONYMOUS)


@dataclass(frozen=True, slots=True)
class Resource:
    """What a call acted on, when its route names it; `name` is the resource as people know it
    (a group's name, a user's email), as it was before the change, or as a create named it."""

    type: str | None = None
    id: str | None = None
    name: str | None = None

    def to_dict(self) -> JSONObject:
        out: JSONObject = {"type": self.type, "id": self.id}
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True, slots=True)
class Changes:
    """What an edit changed, field by field (`changes.py` computes it). `basis` is `captured`
    when the resource's state before the change was read, `unknown` when it could not be
    (then `fields` is empty). Each field is `{"field", "before", "after"}`, or
    `{"field", "added", "removed"}` for a list of scalars."""

    basis: str
    fields: tuple[JSONObject, ...] = ()

    def to_dict(self) -> JSONObject:
        return {"basis": self.basis, "fields": list(self.fields)}

    @classmethod
    def from_dict(cls, data: JSONObject) -> Changes:
        basis = data.get("basis")
        fields = data.get("fields")
        return cls(
            basis=basis if isinstance(basis, str) else "unknown",
            fields=tuple(f for f in fields if isinstance(f, dict))
            if isinstance(fields, list)
            else (),
        )


@dataclass(frozen=True, slots=True)
class Body:
    """A request or response body as recorded: JSON as JSON, anything else only described.

    `size` counts every byte that passed; `truncated` means the body went over the capture
    limit, so only its size and (when it was read whole) its SHA-256 are kept. A sensitive
    response keeps only the fields its route declared.
    """

    content_type: str | None
    size: int
    truncated: bool = False
    is_json: bool = False
    json: JSON = None
    sha256: str | None = None
    sensitive: bool = False

    def to_dict(self) -> JSONObject:
        out: JSONObject = {
            "content_type": self.content_type,
            "size": self.size,
            "truncated": self.truncated,
        }
        if self.is_json:
            out["body"] = self.json
        if self.sha256 is not None:
            out["sha256"] = self.sha256
        if self.sensitive:
            out["sensitive"] = True
        return out

    @classmethod
    def from_dict(cls, data: JSONObject) -> Body:
        content_type = data.get("content_type")
        size = data.get("size", 0)
        sha256 = data.get("sha256")
        return cls(
            content_type=content_type if isinstance(content_type, str) else None,
            size=size if isinstance(size, int) else 0,
            truncated=data.get("truncated") is True,
            is_json="body" in data,
            json=data.get("body"),
            sha256=sha256 if isinstance(sha256, str) else None,
            sensitive=data.get("sensitive") is True,
        )


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One API call on one tenant. Pending entries have outcome `unknown` and no status."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    occurred_at: datetime
    actor: Actor
    source: str
    action: Action
    method: str
    path: str
    route: str | None
    resource: Resource
    summary: str
    outcome: Outcome = Outcome.UNKNOWN
    status: int | None = None
    duration_ms: float | None = None
    request: Body | None = None
    response: Body | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    seq: int | None = None
    """The entry's place in its tenant's Merkle log (its leaf index); None until appended."""
    changes: Changes | None = None
    """What a successful edit changed (None for anything else)."""

    def completed(
        self,
        status: int,
        duration_ms: float,
        request: Body | None,
        response: Body | None,
        summary: str | None = None,
        resource: Resource | None = None,
        changes: Changes | None = None,
    ) -> AuditEvent:
        """This entry with its outcome known (and its summary, resource and changes restated,
        if given)."""
        # Spelled out: every audited call comes through here, and `dataclasses.replace` costs
        # three times as much (a test checks that every other field is carried over).
        return AuditEvent(
            id=self.id,
            tenant_id=self.tenant_id,
            occurred_at=self.occurred_at,
            actor=self.actor,
            source=self.source,
            action=self.action,
            method=self.method,
            path=self.path,
            route=self.route,
            resource=self.resource if resource is None else resource,
            summary=self.summary if summary is None else summary,
            outcome=Outcome.of_status(status),
            status=status,
            duration_ms=round(duration_ms, 3),
            request=request,
            response=response,
            client_ip=self.client_ip,
            user_agent=self.user_agent,
            seq=self.seq,
            changes=self.changes if changes is None else changes,
        )

    def appended(self, seq: int) -> AuditEvent:
        """This entry at its place in the log."""
        return dataclasses.replace(self, seq=seq)

    def without_bodies(self) -> AuditEvent:
        return dataclasses.replace(self, request=None, response=None)

    def to_dict(self) -> JSONObject:
        """The entry as JSON: what the API returns and what the canonical bytes encode."""
        return ENTRY.to_json(self)


ENTRY: Record[AuditEvent] = Record(
    make=AuditEvent,
    nested={"actor": Actor, "resource": Resource},
    key=("tenant_id", "occurred_at", "id"),
    fields=(
        Field("occurred_at", Kind.INSTANT, required=True),
        Field("id", Kind.UUID, required=True),
        Field("seq", Kind.BIGINT),
        Field("tenant_id", Kind.UUID, required=True, csv=False),
        Field("action", Kind.STRING, required=True, length=16, enum=Action),
        Field("summary", Kind.TEXT, required=True, completes=True),
        Field("actor.type", Kind.STRING, required=True, length=16, enum=ActorType),
        Field("actor.id", Kind.STRING, csv=False),
        Field("actor.email", Kind.STRING, csv=False),
        Field("actor.name", Kind.STRING, csv=False),
        Field("source", Kind.STRING, required=True),
        Field("method", Kind.STRING, required=True),
        Field("path", Kind.TEXT, required=True),
        Field("route", Kind.STRING, csv=False),
        Field("status", Kind.SMALLINT, completes=True),
        Field("outcome", Kind.STRING, required=True, length=16, enum=Outcome, completes=True),
        Field("resource.type", Kind.STRING),
        Field("resource.id", Kind.STRING, completes=True),
        Field("duration_ms", Kind.FLOAT, completes=True),
        Field("client_ip", Kind.STRING),
        Field("user_agent", Kind.STRING),
        Field("request", Kind.DOCUMENT, document=Body.from_dict, completes=True),
        Field("response", Kind.DOCUMENT, document=Body.from_dict, completes=True),
        # Added by migration a004: left out of the JSON while null, so the canonical bytes of
        # every entry stored before them are what they were (and entries without them too).
        Field("resource.name", Kind.STRING, completes=True, omit_null=True),
        Field(
            "changes",
            Kind.DOCUMENT,
            document=Changes.from_dict,
            csv=False,
            completes=True,
            omit_null=True,
        ),
    ),
)
"""The audit entry's fields, declared once: columns, rows, JSON, list items and CSV derive from
it (see `record.py`). CSV columns follow this order; the actor's is the plain `actor`."""


def canonical_bytes(event: AuditEvent, seq: int | None = None) -> bytes:
    """The one deterministic serialisation of an entry: compact JSON, keys sorted at every depth
    (the entry at place `seq`, when given, without copying it).

    These are the leaf bytes of the tenant's Merkle log (`seq` included, so a leaf names its
    own place): change them only with a new format version.
    """
    document = event.to_dict()
    if seq is not None:
        document["seq"] = seq
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def epoch_us(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_epoch_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def new_entry_id(occurred_at: datetime) -> uuid.UUID:
    """A UUIDv7 whose time fields encode `occurred_at` to the microsecond.

    The 48-bit Unix milliseconds come first, and the 12-bit `rand_a` holds the sub-millisecond
    fraction (RFC 9562, method 3), so `occurred_at_of(id)` recovers the instant exactly and
    the store can find an entry by id alone within its time partition.
    """
    micros = epoch_us(occurred_at)
    millis, sub = divmod(micros, 1000)
    fraction = sub * 4096 // 1000
    # 62 random bits under the variant bits `10`, and the version nibble 7 above `fraction`.
    value = (
        (millis & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | fraction << 64 | 0b10 << 62 | _random62()
    )
    return uuid.UUID(int=value)


class _RandomBits:
    """62-bit random numbers from the OS's CSPRNG, fetched `RANDOM_BATCH` at a time.

    Every audited call takes an id; one system call per id showed in profiles under load.
    A forked child starts with a fresh batch, so parent and child never share numbers.
    """

    def __init__(self) -> None:
        self._words: Iterator[int] = iter(())
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._words = iter(())

    def __call__(self) -> int:
        # `next` on a memoryview's iterator is one C call: threads never get the same word.
        word = next(self._words, None)
        if word is None:
            self._words = iter(memoryview(os.urandom(8 * RANDOM_BATCH)).cast("Q"))
            word = next(self._words)
        return word >> 2


RANDOM_BATCH = 512
"""How many ids' random bits are drawn from the OS at once."""

_random62 = _RandomBits()


def occurred_at_of(entry_id: uuid.UUID) -> datetime | None:
    """The instant `new_entry_id` encoded, or None if `entry_id` is not a UUIDv7 of a
    representable instant (its 48 bits of milliseconds reach past the year 9999)."""
    if entry_id.version != 7:
        return None
    millis = entry_id.int >> 80
    fraction = (entry_id.int >> 64) & 0xFFF
    sub = -(-fraction * 1000 // 4096)
    try:
        return from_epoch_us(millis * 1000 + sub)
    except OverflowError:
        return None
