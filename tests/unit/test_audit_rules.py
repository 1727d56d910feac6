"""Call Manager's audit rules: who the tenant sees as the actor, and how entries read."""

from __future__ import annotations

import uuid

import pytest

from asgi_audit import Action, ActorType, Resource, SummaryInput
from callmanager.audit_rules import PARTNER, VOCABULARY, attribute, rules_for, summarize
from callmanager.auth.principal import SCOPE_KEY, Principal, Role

TENANT = uuid.uuid4()
OTHER = uuid.uuid4()
USER = uuid.uuid4()


def scope(principal: Principal | None) -> dict[str, object]:
    return {} if principal is None else {SCOPE_KEY: principal}


def user(via: str = "session", tenant: uuid.UUID = TENANT) -> Principal:
    return Principal(
        kind="user",
        via=via,  # type: ignore[arg-type]
        user_id=USER,
        email="alice@contoso.example",
        name="Alice",
        roles={tenant: Role.WRITER},
    )


def test_a_member_is_named_with_the_source_of_their_credential() -> None:
    by_session = attribute(scope(user("session")), TENANT)
    assert (by_session.actor.type, by_session.actor.id, by_session.actor.email) == (
        ActorType.USER,
        str(USER),
        "alice@contoso.example",
    )
    assert by_session.source == "Call Manager"
    assert attribute(scope(user("token")), TENANT).source == "API"


def test_someone_without_a_role_in_the_tenant_is_anonymous_to_it() -> None:
    outsider = attribute(scope(user(tenant=OTHER)), TENANT)
    assert outsider.actor.type is ActorType.ANONYMOUS
    assert (outsider.actor.id, outsider.actor.email, outsider.actor.name) == (None, None, None)
    nobody = attribute(scope(None), TENANT)
    assert (nobody.actor.type, nobody.source) == (ActorType.ANONYMOUS, "API")


def test_a_system_task_is_named_by_its_task_and_no_user() -> None:
    task = Principal(kind="system", via="system", task_name="holiday-migration")
    found = attribute(scope(task), TENANT)
    assert (found.actor.type, found.actor.id, found.actor.email) == (
        ActorType.SYSTEM,
        "holiday-migration",
        None,
    )
    assert found.source == "System"


def test_partner_staff_are_tagged_partner_and_identify_nobody() -> None:
    partner = Principal(kind="partner", via="partner", roles={TENANT: Role.OWNER})
    found = attribute(scope(partner), TENANT)
    assert (found.actor.type, found.actor.id, found.actor.email, found.actor.name) == (
        PARTNER,
        None,
        None,
        None,
    )
    assert found.source == "Partner"
    assert found.conceal_client
    assert attribute(scope(partner), OTHER).actor.type is ActorType.ANONYMOUS


@pytest.mark.parametrize(
    ("action", "resource", "body", "sentence"),
    [
        (Action.CREATE, Resource("group"), {"name": "Sales"}, "Created group 'Sales'"),
        (Action.EDIT, Resource("call_flow", "c-1"), {"phone": "+1"}, "Edited call flow c-1"),
        (Action.DELETE, Resource("group", "g-1"), None, "Deleted group g-1"),
        (Action.READ, Resource("call_log"), None, "Listed call logs"),
        (Action.READ, Resource("group", "g-1"), None, "Viewed group g-1"),
        (Action.READ, Resource("admin_setup"), None, "Viewed admin setup"),
        (Action.EDIT, Resource("tenant"), {"name": "Contoso"}, "Edited tenant"),
    ],
)  # fmt: skip
def test_summaries_read_as_one_sentence(
    action: Action, resource: Resource, body: object, sentence: str
) -> None:
    assert summarize(SummaryInput(action, "X", resource, {}, body)) == sentence  # type: ignore[arg-type]


def test_the_invitation_route_is_sensitive_and_keeps_only_its_summary_fields() -> None:
    paths = {
        "/api/v1/tenants/{tenant_id}/invitations": {"get": {}, "post": {}},
        "/api/v1/auth/login": {"post": {}},
    }
    rules = {(r.method, r.template): r for r in rules_for(paths)}
    assert set(rules) == {
        ("GET", "/api/v1/tenants/{tenant_id}/invitations"),
        ("POST", "/api/v1/tenants/{tenant_id}/invitations"),
    }
    invite = rules["POST", "/api/v1/tenants/{tenant_id}/invitations"]
    assert invite.sensitive == ("id", "email", "name", "role", "expires_at")
    assert rules["GET", "/api/v1/tenants/{tenant_id}/invitations"].sensitive is None


def test_the_audit_logs_own_reads_store_no_response_body() -> None:
    """Its responses copy entries the log already holds; every other route stores its response."""
    log = "/api/v1/tenants/{tenant_id}/audit-log"
    paths = {
        log: {"get": {}},
        f"{log}/export": {"get": {}},
        f"{log}/{{entry_id}}": {"get": {}},
        "/api/v1/tenants/{tenant_id}/groups": {"get": {}, "post": {}},
        "/api/v1/tenants/{tenant_id}/groups/{group_id}": {"get": {}, "patch": {}},
        "/api/v1/tenants/{tenant_id}/invitations": {"post": {}},
    }
    stored = {(r.method, r.template): r.response_body for r in rules_for(paths)}
    assert {k for k, keep in stored.items() if not keep} == {
        ("GET", log),
        ("GET", f"{log}/export"),
        ("GET", f"{log}/{{entry_id}}"),
    }


def test_every_kind_of_caller_call_manager_registers_has_a_label_on_the_page() -> None:
    labelled = {c["value"] for c in VOCABULARY.to_json()["actor_types"]}
    assert {"user", "system", "anonymous", "partner"} <= labelled
