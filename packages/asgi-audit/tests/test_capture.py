"""The capture middleware, driven with raw ASGI: what is recorded, when, and that the client
always receives exactly what the app sent."""

from __future__ import annotations

import hashlib

import orjson
import pytest

from asgi_audit import REDACTED, Action, ActorType, Outcome, canonical_bytes
from asgi_audit.testing import AuditRecorder
from asgi_audit.types import JSON, Message
from example_app import (
    BASE,
    INVALID_UTF8,
    LOG_COPY,
    TENANT,
    TOKEN,
    Calls,
    audited,
    call,
)

pytestmark = pytest.mark.anyio

JSON_HEADERS = [("content-type", "application/json")]


async def test_a_json_create_is_recorded_with_its_bodies_as_json() -> None:
    async with AuditRecorder() as audit:
        sent = await call(
            audited(Calls(), audit.writer),
            "POST",
            f"{BASE}/groups",
            chunks=[b'{"name": "Example', b' New Group"}'],
            headers=[*JSON_HEADERS, ("user-agent", "pytest-agent")],
            scope_extra={"test.user": "Alice@Contoso.example"},
        )
        [entry] = await audit.aentries()
    assert sent.status == 201
    assert entry.tenant_id == TENANT
    assert (entry.action, entry.method, entry.status, entry.outcome) == (
        Action.CREATE,
        "POST",
        201,
        Outcome.SUCCEEDED,
    )
    assert entry.route == "/api/v1/tenants/{tenant_id}/groups"
    assert entry.resource.type == "group"
    assert entry.summary == "Created group 'Example New Group'"
    assert (entry.actor.type, entry.actor.email) == (ActorType.USER, "alice@contoso.example")
    assert entry.request is not None
    assert entry.request.json == {"name": "Example New Group"}
    assert entry.request.size == len(b'{"name": "Example New Group"}')
    assert entry.response is not None
    assert entry.response.json == {"id": "g-1", "name": "Example New Group"}
    assert (entry.client_ip, entry.user_agent) == ("203.0.113.7", "pytest-agent")
    assert entry.duration_ms is not None
    assert entry.duration_ms >= 0


async def test_the_pending_entry_is_stored_before_the_handler_runs() -> None:
    seen: list[list[Outcome]] = []
    async with AuditRecorder() as audit:
        calls = Calls(on_handler=lambda: seen.append([e.outcome for e in audit.store.all()]))
        await call(audited(calls, audit.writer), "POST", f"{BASE}/groups", chunks=[b"{}"])
    assert seen == [[Outcome.UNKNOWN]]


async def test_the_outcome_is_stored_before_the_response_is_released() -> None:
    statuses_at_release: list[list[int | None]] = []
    async with AuditRecorder() as audit:

        def on_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses_at_release.append([e.status for e in audit.store.all()])

        await call(
            audited(Calls(), audit.writer),
            "POST",
            f"{BASE}/groups",
            chunks=[b'{"name": "x"}'],
            headers=JSON_HEADERS,
            on_send=on_send,
        )
    assert statuses_at_release == [[201]]


async def test_a_read_passes_straight_through_and_is_queued_after() -> None:
    entries_at_release: list[int] = []
    async with AuditRecorder(flush_interval=0.5) as audit:
        sent = await call(
            audited(Calls(), audit.writer),
            "GET",
            f"{BASE}/groups",
            on_send=lambda m: entries_at_release.append(len(audit.store.all())),
        )
        [entry] = await audit.aentries()
    assert sent.status == 200
    assert entries_at_release == [0, 0]
    assert (entry.action, entry.summary, entry.status) == (Action.READ, "Listed groups", 200)


async def test_a_non_json_body_is_recorded_as_type_size_and_sha256_only() -> None:
    async with AuditRecorder() as audit:
        sent = await call(
            audited(Calls(), audit.writer),
            "POST",
            f"{BASE}/echo",
            chunks=[b"hello ", b"world"],
            headers=[("content-type", "text/plain")],
        )
        [entry] = await audit.aentries()
    assert sent.body == b"hello world"
    digest = hashlib.sha256(b"hello world").hexdigest()
    for body in (entry.request, entry.response):
        assert body is not None
        assert body.to_dict() == {
            "content_type": body.content_type,
            "size": 11,
            "truncated": False,
            "sha256": digest,
        }
    assert b"hello" not in canonical_bytes(entry)


async def test_an_oversize_body_is_cut_marked_truncated_and_reaches_the_app_whole() -> None:
    big = orjson.dumps({"items": ["x" * 1000] * 100, "password": "hunter2hunter2"})
    chunks = [big[i : i + 7000] for i in range(0, len(big), 7000)]
    async with AuditRecorder() as audit:
        sent = await call(
            audited(Calls(), audit.writer),
            "POST",
            f"{BASE}/echo",
            chunks=chunks,
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert sent.body == big
    for body in (entry.request, entry.response):
        assert body is not None
        assert (body.truncated, body.size, body.is_json) == (True, len(big), False)
        assert body.sha256 == hashlib.sha256(big).hexdigest()
    assert b"hunter2" not in canonical_bytes(entry)


async def test_invalid_utf8_in_a_json_body_is_hashed_and_passes_unchanged() -> None:
    async with AuditRecorder() as audit:
        sent = await call(
            audited(Calls(), audit.writer),
            "PUT",
            f"{BASE}/echo",
            chunks=[INVALID_UTF8],
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert sent.body == INVALID_UTF8
    assert entry.request is not None
    assert entry.request.sha256 == hashlib.sha256(INVALID_UTF8).hexdigest()
    assert (entry.action, entry.status) == (Action.EDIT, 200)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_streaming_response_reaches_the_client_chunk_for_chunk(method: str) -> None:
    expected = b'{"part": 1' + INVALID_UTF8 + b"}" + b"x" * 70_000 + b"end"
    async with AuditRecorder() as audit:
        sent = await call(audited(Calls(), audit.writer), method, f"{BASE}/stream")
        [entry] = await audit.aentries()
    assert sent.status == 200
    assert sent.body == expected
    assert len(sent.messages) > 3
    assert entry.response is not None
    assert (entry.response.truncated, entry.response.size) == (True, len(expected))
    assert entry.response.sha256 == hashlib.sha256(expected).hexdigest()


async def test_a_streamed_modification_holds_its_last_message_until_the_outcome_is_stored() -> None:
    outcome_when_final: list[list[Outcome]] = []
    async with AuditRecorder() as audit:

        def on_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                outcome_when_final.append([e.outcome for e in audit.store.all()])

        await call(audited(Calls(), audit.writer), "POST", f"{BASE}/stream", on_send=on_send)
    assert outcome_when_final == [[Outcome.SUCCEEDED]]


async def test_a_sensitive_response_keeps_only_its_declared_fields() -> None:
    async with AuditRecorder() as audit:
        sent = await call(
            audited(Calls(), audit.writer),
            "POST",
            f"{BASE}/invitations",
            chunks=[b'{"email": "bob@contoso.example", "role": "reader"}'],
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert TOKEN.encode() in sent.body
    assert entry.response is not None
    assert entry.response.sensitive
    assert entry.response.json == {
        "id": "inv-1",
        "email": "bob@contoso.example",
        "name": "Bob",
        "role": "reader",
        "expires_at": "2026-12-01T00:00:00Z",
    }
    assert TOKEN.encode() not in canonical_bytes(entry)


async def test_a_route_storing_no_response_body_records_its_size_and_sha256_only() -> None:
    async with AuditRecorder() as audit:
        sent = await call(audited(Calls(), audit.writer), "GET", f"{BASE}/log")
        [entry] = await audit.aentries()
    assert orjson.loads(sent.body) == LOG_COPY
    assert entry.response is not None
    assert entry.response.to_dict() == {
        "content_type": "application/json",
        "size": len(sent.body),
        "truncated": False,
        "sha256": hashlib.sha256(sent.body).hexdigest(),
    }
    assert b"copied-entry" not in canonical_bytes(entry)
    assert (entry.status, entry.resource.type) == (200, "log")


async def test_an_error_response_of_a_route_storing_no_body_is_recorded_as_usual() -> None:
    """A failure stays explained even where successful responses are not stored."""
    async with AuditRecorder() as audit:
        await call(audited(Calls(), audit.writer), "GET", f"{BASE}/log", query=b"fail=1")
        [entry] = await audit.aentries()
    assert entry.response is not None
    assert entry.response.json == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "x",
    }


async def test_each_body_goes_through_the_redactor_once() -> None:
    seen: list[JSON] = []

    def redactor(value: JSON) -> JSON:
        seen.append(value)
        return value

    async with AuditRecorder() as audit:
        await call(
            audited(Calls(), audit.writer, redactor=redactor),
            "POST",
            f"{BASE}/groups",
            chunks=[b'{"name": "Sales"}'],
            headers=JSON_HEADERS,
        )
        await audit.aentries()
    assert seen == [{"name": "Sales"}, {"id": "g-1", "name": "Sales"}]


async def test_secrets_in_headers_bodies_and_query_strings_are_never_recorded() -> None:
    async with AuditRecorder() as audit:
        await call(
            audited(Calls(), audit.writer),
            "POST",
            f"{BASE}/echo",
            chunks=[b'{"name": "n", "client_secret": "cs-value-1", "nested": {"Api-Key": "ak-2"}}'],
            headers=[
                *JSON_HEADERS,
                ("authorization", "Bearer bearer-value-3"),
                ("cookie", "session=cookie-value-4"),
            ],
            query=b"page=2&access_token=qs-value-5",
        )
        [entry] = await audit.aentries()
    raw = canonical_bytes(entry)
    for secret in (b"cs-value-1", b"ak-2", b"bearer-value-3", b"cookie-value-4", b"qs-value-5"):
        assert secret not in raw
    assert entry.path == f"{BASE}/echo?page=2&access_token={REDACTED}"
    assert entry.request is not None
    assert entry.request.json == {
        "name": "n",
        "client_secret": REDACTED,
        "nested": {"Api-Key": REDACTED},
    }


async def test_a_form_body_is_recorded_as_redacted_fields() -> None:
    async with AuditRecorder() as audit:
        await call(
            audited(Calls(), audit.writer),
            "POST",
            f"{BASE}/echo",
            chunks=[b"email=a%40b.example&password=pw-value&tag=1&tag=2"],
            headers=[("content-type", "application/x-www-form-urlencoded")],
        )
        [entry] = await audit.aentries()
    assert entry.request is not None
    assert entry.request.json == {"email": "a@b.example", "password": REDACTED, "tag": ["1", "2"]}
    assert b"pw-value" not in canonical_bytes(entry)


async def test_with_the_store_unavailable_a_modification_gets_503_and_its_handler_never_runs() -> (
    None
):
    calls = Calls()
    async with AuditRecorder() as audit:
        audit.store.unavailable = True
        sent = await call(audited(calls, audit.writer), "POST", f"{BASE}/groups", chunks=[b"{}"])
        audit.store.unavailable = False
        assert await audit.aentries() == []
    assert sent.status == 503
    assert sent.headers["content-type"] == "application/problem+json"
    assert orjson.loads(sent.body)["status"] == 503
    assert calls.ran == []


async def test_an_outcome_the_store_cannot_take_answers_503_and_is_stored_once_it_can() -> None:
    async with AuditRecorder() as audit:

        def store_goes_down() -> None:
            audit.store.unavailable = True

        calls = Calls(on_handler=store_goes_down)
        sent = await call(audited(calls, audit.writer), "POST", f"{BASE}/groups", chunks=[b"{}"])
        audit.store.unavailable = False
        await audit.writer.flush()
        [entry] = await audit.aentries()
    assert calls.ran == ["create_group"]
    assert sent.status == 503
    assert b"may have been made" in sent.body
    assert (entry.outcome, entry.status) == (Outcome.SUCCEEDED, 201)
    assert entry.summary.endswith(
        "(outcome established after the fact: the caller was told it may not have been made)"
    )


async def test_a_failing_handler_is_recorded_as_a_failed_500() -> None:
    async with AuditRecorder() as audit:
        with pytest.raises(RuntimeError):
            await call(audited(Calls(), audit.writer), "POST", f"{BASE}/boom", chunks=[b"{}"])
        with pytest.raises(RuntimeError):
            await call(audited(Calls(), audit.writer), "GET", f"{BASE}/boom")
        entries = await audit.aentries()
    assert [(e.method, e.status, e.outcome) for e in entries] == [
        ("POST", 500, Outcome.FAILED),
        ("GET", 500, Outcome.FAILED),
    ]


async def test_a_route_rule_can_make_a_post_a_read() -> None:
    seen: list[int] = []
    async with AuditRecorder() as audit:
        calls = Calls(on_handler=lambda: seen.append(len(audit.store.all())))
        await call(audited(calls, audit.writer), "POST", f"{BASE}/groups/search", chunks=[b"{}"])
        [entry] = await audit.aentries()
    assert seen == [0], "a read is not stored before its handler runs"
    assert entry.action is Action.READ
    assert entry.route == "/api/v1/tenants/{tenant_id}/groups/search"


async def test_a_caller_without_a_principal_is_recorded_as_anonymous() -> None:
    async with AuditRecorder() as audit:
        await call(audited(Calls(), audit.writer), "GET", f"{BASE}/groups")
        [entry] = await audit.aentries()
    assert entry.actor.type is ActorType.ANONYMOUS
    assert (entry.actor.id, entry.actor.email, entry.actor.name) == (None, None, None)


@pytest.mark.parametrize(
    "path", ["/health", "/api/v1/tenants/not-a-uuid/groups", "/api/v1/tenantsX/groups"]
)
async def test_calls_outside_the_tenant_api_are_not_recorded(path: str) -> None:
    async with AuditRecorder() as audit:
        await call(audited(Calls(), audit.writer), "GET", path)
        assert await audit.aentries() == []


async def test_non_http_scopes_pass_through_untouched() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append(str(scope["type"]))

    from asgi_audit import AuditMiddleware, AuditPolicy
    from example_app import attribute

    async with AuditRecorder() as audit:
        middleware = AuditMiddleware(
            app, policy=AuditPolicy(attribute=attribute), sink=audit.writer
        )
        await middleware({"type": "websocket", "path": f"{BASE}/ws"}, None, None)  # type: ignore[arg-type]
        assert await audit.aentries() == []
    assert seen == ["websocket"]
