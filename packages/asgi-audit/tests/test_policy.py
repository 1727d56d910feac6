"""The policy: which calls are audited, how routes are classified, how summaries read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from asgi_audit import (
    ANONYMOUS,
    Action,
    Attribution,
    AuditPolicy,
    Resource,
    RouteRule,
    SummaryInput,
    default_summary,
)
from asgi_audit.policy import single_tenant

TENANT = uuid.uuid4()
T = "/api/v1/tenants/{tenant_id}"


def policy(*rules: RouteRule, **options: Any) -> AuditPolicy:
    return AuditPolicy(
        attribute=lambda scope, t: Attribution(ANONYMOUS, "API"), rules=rules, **options
    )


def scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path}


def test_a_rule_names_the_route_resource_and_id() -> None:
    p = policy(RouteRule("PATCH", f"{T}/groups/{{group_id}}", resource_type="group"))
    decision = p.decide(scope("PATCH", f"/api/v1/tenants/{TENANT}/groups/g-7"))
    assert decision is not None
    assert decision.tenant_id == TENANT
    assert decision.action is Action.EDIT
    assert decision.route == "/api/v1/tenants/{tenant_id}/groups/{group_id}"
    assert decision.resource == Resource("group", "g-7")


def test_rules_are_tried_in_order_like_a_router() -> None:
    p = policy(
        RouteRule(
            "POST", f"{T}/invitations/accept", resource_type="invitation", action=Action.EDIT
        ),
        RouteRule("POST", f"{T}/invitations/{{invitation_id}}", resource_type="invitation"),
    )
    decision = p.decide(scope("POST", f"/api/v1/tenants/{TENANT}/invitations/accept"))
    assert decision is not None
    assert (decision.action, decision.resource.id) == (Action.EDIT, None)


def test_a_rule_may_override_the_action() -> None:
    p = policy(RouteRule("POST", f"{T}/calls/search", action=Action.READ))
    decision = p.decide(scope("POST", f"/api/v1/tenants/{TENANT}/calls/search"))
    assert decision is not None
    assert decision.action is Action.READ


def test_a_rule_may_say_its_responses_are_not_stored() -> None:
    p = policy(
        RouteRule("GET", f"{T}/audit-log", response_body=False),
        RouteRule("GET", f"{T}/groups"),
    )
    log = p.decide(scope("GET", f"/api/v1/tenants/{TENANT}/audit-log"))
    groups = p.decide(scope("GET", f"/api/v1/tenants/{TENANT}/groups"))
    unmatched = p.decide(scope("GET", f"/api/v1/tenants/{TENANT}/other"))
    assert log is not None
    assert groups is not None
    assert unmatched is not None
    assert (log.response_body, groups.response_body, unmatched.response_body) == (
        False,
        True,
        True,
    )


def test_head_follows_the_get_rules() -> None:
    p = policy(RouteRule("GET", f"{T}/groups", resource_type="group"))
    decision = p.decide(scope("HEAD", f"/api/v1/tenants/{TENANT}/groups"))
    assert decision is not None
    assert (decision.route, decision.action) == (f"{T}/groups", Action.READ)


def test_a_path_no_rule_matches_is_still_audited_without_inventing_a_resource() -> None:
    decision = policy().decide(scope("DELETE", f"/api/v1/tenants/{TENANT}/widgets/w-1"))
    assert decision is not None
    assert (decision.route, decision.resource, decision.action) == (
        None,
        Resource(None, None),
        Action.DELETE,
    )
    assert policy().summary(decision, None) == "Called a path the API does not have"


def test_the_host_decides_whose_log_a_request_belongs_in() -> None:
    p = policy(tenant=lambda s: TENANT if s["path"].startswith("/api/") else None)
    decision = p.decide(scope("POST", "/api/widgets"))
    assert decision is not None
    assert decision.tenant_id == TENANT
    assert p.decide(scope("GET", "/static/app.css")) is None
    assert policy(tenant=single_tenant).decide(scope("GET", "/")) is not None


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/login", "/api/v1/tenants/zzz/groups", "/api/v1/tenantsx", "/api/v2/tenants/x"],
)
def test_paths_outside_the_tenant_api_are_not_audited(path: str) -> None:
    assert policy().decide(scope("GET", path)) is None


def test_the_tenant_prefix_must_name_one_parameter() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        policy(tenant_prefix="/api/v1/tenants")


@pytest.mark.parametrize(
    ("action", "resource", "body", "sentence"),
    [
        (Action.CREATE, Resource("group"), {"name": "New Group"}, "Created group 'New Group'"),
        (Action.EDIT, Resource("group", "g-1"), {"description": "x"}, "Edited group g-1"),
        (Action.EDIT, Resource("portal_user", "u-1"), {"name": "Bob"}, "Edited portal user 'Bob'"),
        (Action.DELETE, Resource("call-flow", "c-1"), None, "Deleted call flow c-1"),
        (Action.READ, Resource("group", "g-1"), None, "Viewed group g-1"),
        (Action.READ, Resource("group"), None, "Viewed group list"),
        (Action.CREATE, Resource("invitation"), {"email": "b@x.io"}, "Created invitation 'b@x.io'"),
    ],
)  # fmt: skip
def test_the_default_summary_is_one_plain_sentence(
    action: Action, resource: Resource, body: Any, sentence: str
) -> None:
    assert default_summary(SummaryInput(action, "X", resource, {}, body)) == sentence


def test_a_rule_summary_may_be_fixed_text_or_a_function() -> None:
    p = policy(
        RouteRule("GET", f"{T}/groups", summary="Listed groups"),
        RouteRule("POST", f"{T}/groups", summary=lambda s: f"Made {s.params['tenant_id'][:4]}"),
    )
    listed = p.decide(scope("GET", f"/api/v1/tenants/{TENANT}/groups"))
    made = p.decide(scope("POST", f"/api/v1/tenants/{TENANT}/groups"))
    assert listed is not None
    assert made is not None
    assert p.summary(listed, None) == "Listed groups"
    assert p.summary(made, None) == f"Made {str(TENANT)[:4]}"


def test_a_failing_summary_function_falls_back_to_the_default() -> None:
    def broken(_: SummaryInput) -> str:
        raise KeyError("name")

    p = policy(RouteRule("POST", f"{T}/groups", resource_type="group", summary=broken))
    decision = p.decide(scope("POST", f"/api/v1/tenants/{TENANT}/groups"))
    assert decision is not None
    assert p.summary(decision, {"name": "A"}) == "Created group 'A'"
