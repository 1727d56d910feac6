"""The `ocsf` stream format: OCSF 1.5.0 API Activity events, every one of them validated against
the official schema (the `ocsf-json-schema` package, judged by `jsonschema`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from asgi_audit import Action, Actor, ActorType, Changes, Outcome
from asgi_audit.events import epoch_us
from asgi_audit.streams import StreamEvent
from asgi_audit.streams.formats import StreamFormat, render
from stream_entries import (
    PARTNER,
    PRODUCT,
    an_entry,
    assert_valid_ocsf,
    recorded_entries,
    stream_event,
    stream_events,
)


def ocsf_of(event: StreamEvent) -> dict[str, object]:
    rendered = render(event, StreamFormat.OCSF, PRODUCT)
    assert isinstance(rendered, dict)
    return rendered


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream_events)
def test_every_entry_becomes_an_event_the_official_schema_accepts(event: StreamEvent) -> None:
    ocsf = ocsf_of(event)
    assert_valid_ocsf(ocsf)
    assert ocsf["metadata"]["uid"] == event.entry_id  # type: ignore[index]
    assert ocsf["metadata"]["sequence"] == event.seq  # type: ignore[index]


@pytest.mark.anyio
async def test_entries_the_engine_recorded_from_a_real_app_are_valid_api_activity() -> None:
    recorded = await recorded_entries()
    assert len(recorded) == 6
    for seq, entry in enumerate(recorded):
        event = stream_event(entry, seq)
        ocsf = ocsf_of(event)
        assert_valid_ocsf(ocsf)
        assert ocsf["class_uid"] == 6003
        assert ocsf["metadata"]["sequence"] == seq  # type: ignore[index]
        assert ocsf["metadata"]["tenant_uid"] == str(entry.tenant_id)  # type: ignore[index]


def test_the_schema_judge_refuses_an_event_missing_what_api_activity_requires() -> None:
    """The validator is a real judge: the same event without its metadata fails."""
    ocsf = ocsf_of(stream_event(an_entry()))
    del ocsf["metadata"]
    with pytest.raises(AssertionError, match="metadata"):
        assert_valid_ocsf(ocsf)


@pytest.mark.parametrize(
    ("action", "activity_id", "name"),
    [
        (Action.CREATE, 1, "Create"),
        (Action.READ, 2, "Read"),
        (Action.EDIT, 3, "Update"),
        (Action.DELETE, 4, "Delete"),
    ],
)
def test_the_activity_is_mapped_from_the_action(
    action: Action, activity_id: int, name: str
) -> None:
    ocsf = ocsf_of(stream_event(an_entry(action=action)))
    assert (ocsf["activity_id"], ocsf["activity_name"]) == (activity_id, name)
    assert ocsf["type_uid"] == 600300 + activity_id
    assert_valid_ocsf(ocsf)


def test_an_action_ocsf_does_not_know_is_activity_other() -> None:
    entry = an_entry().to_dict()
    entry["action"] = "export"
    ocsf = ocsf_of(StreamEvent(entry))
    assert (ocsf["activity_id"], ocsf["type_uid"]) == (99, 600399)
    assert_valid_ocsf(ocsf)


def test_a_user_is_the_actor_with_id_email_and_name() -> None:
    ocsf = ocsf_of(stream_event(an_entry()))
    assert ocsf["actor"] == {
        "user": {
            "type_id": 1,
            "type": "User",
            "uid": "u-1",
            "email_addr": "alice@contoso.example",
            "name": "Alice",
        }
    }


def test_a_system_task_is_a_system_user_acting_through_its_app() -> None:
    task = Actor(ActorType.SYSTEM, "holiday-migration", None, "holiday-migration")
    ocsf = ocsf_of(stream_event(an_entry(actor=task, client_ip=None, source="System")))
    assert ocsf["actor"] == {
        "user": {
            "type_id": 3,
            "type": "System",
            "uid": "holiday-migration",
            "name": "holiday-migration",
        },
        "app_name": "holiday-migration",
        "app_uid": "holiday-migration",
    }
    assert ocsf["src_endpoint"] == {"name": "System"}
    assert_valid_ocsf(ocsf)


def test_a_partner_is_named_by_its_kind_and_identifies_no_person() -> None:
    ocsf = ocsf_of(stream_event(an_entry(actor=Actor(PARTNER), source="Partner")))
    assert ocsf["actor"] == {"user": {"type_id": 99, "type": "Partner", "name": "Partner"}}
    assert_valid_ocsf(ocsf)


@pytest.mark.parametrize(
    ("status", "outcome", "status_id", "severity_id"),
    [
        (201, Outcome.SUCCEEDED, 1, 1),
        (403, Outcome.FAILED, 2, 4),
        (409, Outcome.FAILED, 2, 3),
        (500, Outcome.FAILED, 2, 3),
        (None, Outcome.UNKNOWN, 0, 2),
    ],
)
def test_the_status_and_severity_follow_the_outcome(
    status: int | None, outcome: Outcome, status_id: int, severity_id: int
) -> None:
    ocsf = ocsf_of(stream_event(an_entry(status=status, outcome=outcome)))
    assert (ocsf["status_id"], ocsf["severity_id"]) == (status_id, severity_id)
    assert ocsf.get("status_code") == (None if status is None else str(status))
    assert_valid_ocsf(ocsf)


def test_the_api_names_the_operation_request_and_response() -> None:
    entry = an_entry()
    ocsf = ocsf_of(stream_event(entry))
    assert ocsf["api"] == {
        "operation": "POST /api/v1/tenants/{tenant_id}/groups",
        "request": {"uid": str(entry.id), "data": {"name": "Sales"}},
        "response": {"code": 201, "message": "Created", "data": {"id": "g-1"}},
    }
    assert ocsf["http_request"] == {
        "url": {"path": entry.path, "url_string": entry.path},
        "uid": str(entry.id),
        "http_method": "POST",
        "user_agent": "Mozilla/5.0",
        "body_length": 16,
    }
    assert ocsf["src_endpoint"] == {"ip": "203.0.113.7"}
    assert ocsf["time"] == epoch_us(entry.occurred_at) // 1000


def test_a_patch_keeps_its_method_in_the_operation_though_ocsf_lists_no_patch() -> None:
    ocsf = ocsf_of(stream_event(an_entry(method="PATCH", action=Action.EDIT, route=None)))
    assert ocsf["api"]["operation"].startswith("PATCH /api/v1/tenants/")  # type: ignore[index]
    assert "http_method" not in ocsf["http_request"]  # type: ignore[operator]
    assert_valid_ocsf(ocsf)


def test_what_ocsf_has_no_field_for_is_kept_under_unmapped() -> None:
    changes = Changes("captured", ({"field": "name", "before": "Sales", "after": "EMEA"},))
    entry = an_entry(action=Action.EDIT, method="PUT", changes=changes)
    ocsf = ocsf_of(stream_event(entry))
    unmapped = ocsf["unmapped"]
    assert unmapped["tenant_id"] == str(entry.tenant_id)  # type: ignore[index]
    assert unmapped["changes"] == changes.to_dict()  # type: ignore[index]
    assert unmapped["source"] == "Call Manager"  # type: ignore[index]
    assert ocsf["message"] == "Created group 'Sales'"
    assert ocsf["metadata"]["product"] == {  # type: ignore[index]
        "name": "Call Manager",
        "vendor_name": "Haptap",
        "version": "1.2.3",
    }
    assert_valid_ocsf(ocsf)


def test_a_query_string_goes_to_the_url_apart_from_the_path() -> None:
    entry = an_entry(path="/api/v1/tenants/x/groups?name=Sales&limit=5", method="GET")
    url = ocsf_of(stream_event(entry))["http_request"]["url"]  # type: ignore[index]
    assert url == {
        "path": "/api/v1/tenants/x/groups",
        "query_string": "name=Sales&limit=5",
        "url_string": "/api/v1/tenants/x/groups?name=Sales&limit=5",
    }


def test_a_test_event_is_labelled_as_one() -> None:
    ocsf = ocsf_of(StreamEvent({**an_entry().to_dict(), "test": True}))
    assert ocsf["metadata"]["labels"] == ["test"]  # type: ignore[index]
    assert_valid_ocsf(ocsf)
