"""Captured entries that say what happened, for any host: the summary worded for the outcome,
the resource read before an edit or delete (its name, an edit's changes), a create's id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_audit import (
    REDACTED,
    AuditMiddleware,
    AuditPolicy,
    Changes,
    Decision,
    Outcome,
    RouteRule,
)
from asgi_audit.changes import changed_fields, changes_between
from asgi_audit.events import Action
from asgi_audit.summaries import SummaryInput, outcome_summary, problem_detail
from asgi_audit.testing import AuditRecorder
from asgi_audit.types import JSON, ASGIApp
from asgi_audit.writer import AuditSink
from example_app import BASE, T, attribute, call

pytestmark = pytest.mark.anyio

JSON_HEADERS = [("content-type", "application/json")]


class Groups:
    """A tiny group API whose state the snapshot hook reads, as a host's services would."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[str, Any]] = {
            "g-1": {"id": "g-1", "name": "Sales EMEA", "members": ["a", "b"], "secret": "s1"}
        }
        self.seen_by_snapshot: list[str] = []
        self.during: Callable[[], None] = lambda: None
        """Called by the handlers, while the call runs."""

    def app(self) -> Starlette:
        async def create(request: Request) -> Response:
            body = await request.json()
            return JSONResponse({"id": "g-9", **body}, status_code=201)

        async def edit(request: Request) -> Response:
            group = self.groups.get(request.path_params["group_id"])
            if group is None:
                problem = {"title": "Not found", "status": 404, "detail": "No such group."}
                return JSONResponse(problem, 404, media_type="application/problem+json")
            group.update(await request.json())
            return JSONResponse(group)

        async def delete(request: Request) -> Response:
            self.during()
            self.groups.pop(request.path_params["group_id"], None)
            return Response(status_code=204)

        async def refuse(request: Request) -> Response:
            problem = {"title": "Forbidden", "status": 403, "detail": "Readers may not do this."}
            return JSONResponse(problem, 403, media_type="application/problem+json")

        return Starlette(
            routes=[
                Route(f"{T}/groups", create, methods=["POST"]),
                Route(f"{T}/groups/{{group_id}}", edit, methods=["PATCH"]),
                Route(f"{T}/groups/{{group_id}}", delete, methods=["DELETE"]),
                Route(f"{T}/locked", refuse, methods=["POST"]),
            ]
        )

    def snapshot(self, decision: Decision) -> JSON:
        assert decision.resource.id is not None
        self.seen_by_snapshot.append(decision.resource.id)
        if decision.resource.id == "broken":
            raise RuntimeError("the database is away")
        group = self.groups.get(decision.resource.id)
        return None if group is None else dict(group)


RULES = [
    RouteRule("POST", f"{T}/groups", resource_type="group"),
    RouteRule("PATCH", f"{T}/groups/{{group_id}}", resource_type="group"),
    RouteRule("DELETE", f"{T}/groups/{{group_id}}", resource_type="group"),
    RouteRule("POST", f"{T}/locked", resource_type="group"),
]


def audited(groups: Groups, sink: AuditSink) -> ASGIApp:
    policy = AuditPolicy(attribute=attribute, rules=RULES, snapshot=groups.snapshot)
    return AuditMiddleware(groups.app(), policy=policy, sink=sink)


async def test_an_edit_names_the_resource_as_it_was_and_what_changed() -> None:
    groups = Groups()
    async with AuditRecorder() as audit:
        await call(
            audited(groups, audit.writer),
            "PATCH",
            f"{BASE}/groups/g-1",
            chunks=[b'{"name": "Sales Europe", "members": ["b", "c", "d"], "secret": "s2"}'],
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert entry.summary == "Edited group 'Sales EMEA': name, members (+2, \u22121)"
    assert entry.resource.name == "Sales EMEA"
    assert entry.changes == Changes(
        "captured",
        (
            {"field": "name", "before": "Sales EMEA", "after": "Sales Europe"},
            {"field": "members", "added": ["c", "d"], "removed": ["a"]},
        ),
    )
    assert "s1" not in str(entry.to_dict())  # the secret was redacted on both sides
    assert REDACTED in str(entry.response.to_dict() if entry.response else "")


async def test_the_pending_entry_says_its_outcome_is_unknown_and_names_the_resource() -> None:
    groups = Groups()
    seen: list[str] = []
    async with AuditRecorder() as audit:
        groups.during = lambda: seen.extend(e.summary for e in audit.store.all())
        await call(audited(groups, audit.writer), "DELETE", f"{BASE}/groups/g-1")
        [entry] = await audit.aentries()
    assert seen[0] == (
        "Outcome unknown: the change may have been made \u2014 delete group 'Sales EMEA'"
    )
    assert entry.summary == "Deleted group 'Sales EMEA'"


async def test_a_create_records_the_id_its_response_returned() -> None:
    async with AuditRecorder() as audit:
        await call(
            audited(Groups(), audit.writer),
            "POST",
            f"{BASE}/groups",
            chunks=[b'{"name": "Support"}'],
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert (entry.resource.id, entry.resource.name) == ("g-9", "Support")
    assert entry.changes is None


async def test_a_refusal_says_it_was_tried_and_why() -> None:
    async with AuditRecorder() as audit:
        await call(
            audited(Groups(), audit.writer),
            "POST",
            f"{BASE}/locked",
            chunks=[b'{"name": "Try"}'],
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert entry.outcome is Outcome.FAILED
    assert (
        entry.summary == "Tried to create group 'Try' \u2014 refused (403: Readers may not do this)"
    )


async def test_a_snapshot_that_fails_costs_nothing_but_the_earlier_state() -> None:
    groups = Groups()
    groups.groups["broken"] = {"id": "broken", "name": "Broken"}
    async with AuditRecorder() as audit:
        sent = await call(
            audited(groups, audit.writer),
            "PATCH",
            f"{BASE}/groups/broken",
            chunks=[b'{"name": "Fixed"}'],
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert sent.status == 200
    assert entry.changes == Changes("unknown")
    assert entry.summary == "Edited group 'Fixed'"  # the engine's default names the body's


async def test_a_failed_edit_has_no_changes_and_says_why() -> None:
    groups = Groups()
    async with AuditRecorder() as audit:
        await call(
            audited(groups, audit.writer),
            "PATCH",
            f"{BASE}/groups/g-404",
            chunks=[b'{"name": "X"}'],
            headers=JSON_HEADERS,
        )
        [entry] = await audit.aentries()
    assert entry.changes is None
    assert entry.summary == "Failed to edit group 'X' (404: No such group)"


def test_lists_of_scalars_change_by_members_and_the_rest_before_and_after() -> None:
    changes = changes_between(
        {"name": "A", "hours": {"monday": [1], "friday": [2]}, "tags": ["x"], "updated_at": 1},
        {"name": "A", "hours": {"monday": [], "friday": [2]}, "tags": ["x", "y"], "updated_at": 2},
        ignore=("updated_at",),
    )
    assert changes.fields == (
        {"field": "hours.monday", "added": [], "removed": [1]},
        {"field": "tags", "added": ["y"], "removed": []},
    )
    assert changed_fields(changes) == "hours, tags (+1)"


def test_no_earlier_state_is_said_so() -> None:
    assert changes_between(None, {"name": "A"}) == Changes("unknown", ())


@pytest.mark.parametrize(
    ("outcome", "status", "detail", "sentence"),
    [
        (Outcome.SUCCEEDED, 201, None, "Created group 'X'"),
        (Outcome.FAILED, 401, None, "Tried to create group 'X' \u2014 refused (401)"),
        (Outcome.FAILED, 409, "Taken", "Failed to create group 'X' (409: Taken)"),
        (
            Outcome.UNKNOWN,
            None,
            None,
            "Outcome unknown: the change may have been made \u2014 create group 'X'",
        ),
    ],
)  # fmt: skip
def test_the_outcome_is_worded_around_what_the_call_does(
    outcome: Outcome, status: int | None, detail: str | None, sentence: str
) -> None:
    from asgi_audit.events import Resource

    entry = SummaryInput(
        Action.CREATE, "POST", Resource("group"), {}, None, outcome, status, detail
    )
    assert outcome_summary("Created group 'X'", entry) == sentence


def test_a_sentence_with_an_unknown_verb_is_quoted_whole_when_it_failed() -> None:
    from asgi_audit.events import Resource

    entry = SummaryInput(Action.EDIT, "POST", Resource("x"), {}, None, Outcome.FAILED, 500)
    assert outcome_summary("Synced phones", entry) == "Failed to do 'Synced phones' (500)"


def test_a_problems_reason_is_its_detail_else_its_title_on_one_line() -> None:
    assert problem_detail({"title": "Conflict", "detail": "A group\nnamed X exists."}) == (
        "A group named X exists"
    )
    assert problem_detail({"title": "Not Found"}) == "Not Found"
    assert problem_detail("oops") is None
