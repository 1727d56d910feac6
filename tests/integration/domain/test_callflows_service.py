"""Call flows stored on both databases: create, read back, replace, delete, and the refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from callmanager.domain.callflows import service
from callmanager.domain.callflows.schemas import CallFlowCreate, CallFlowUpdate
from callmanager.domain.groups.models import Group
from callmanager.domain.portal_users.models import Membership, User
from callmanager.errors import Conflict, Invalid, NotFound
from tests.integration.domain.conftest import new_tenant

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
Sessions = sessionmaker[Session]


def make_group(sessions: Sessions, tenant_id: uuid.UUID, name: str = "Reception") -> uuid.UUID:
    with sessions() as db:
        group = Group(tenant_id=tenant_id, name=name, description="", members=[])
        db.add(group)
        db.commit()
        return group.id


def make_member(sessions: Sessions, tenant_id: uuid.UUID) -> uuid.UUID:
    with sessions() as db:
        user = User(email=f"{uuid.uuid4().hex[:8]}@contoso.example", name="A", password_hash="x")
        db.add(user)
        db.flush()
        db.add(Membership(tenant_id=tenant_id, user_id=user.id, role="writer"))
        db.commit()
        return user.id


def flow_body(group_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Main line",
        "phone_number": "+44 20 7946 0123",
        "routing": {
            "open": {"kind": "group", "group_id": str(group_id)},
            "closed": {"kind": "voicemail"},
            "holiday": {"kind": "voicemail", "greeting": "Happy holidays"},
        },
        "holidays": {
            "country": "GB",
            "subdivision": "ENG",
            "years": [
                {
                    "year": 2026,
                    "days": [{"date": "2026-07-03", "name": "Summer party", "auto_renew": True}],
                }
            ],
        },
        **overrides,
    }


def create(sessions: Sessions, tenant_id: uuid.UUID, body: dict[str, Any]) -> uuid.UUID:
    with sessions() as db:
        flow = service.create_call_flow(db, tenant_id, CallFlowCreate.model_validate(body), now=NOW)
        db.commit()
        return flow.id


def test_a_created_call_flow_reads_back_with_its_public_holidays_filled_in(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    call_flow_id = create(sessions, tenant_id, flow_body(make_group(sessions, tenant_id)))
    with sessions() as db:
        flow = service.get_call_flow(db, tenant_id, call_flow_id)
    assert flow.phone_number == "+442079460123"
    assert flow.time_zone == "Europe/London"  # the tenant's
    assert flow.version == 1
    year = flow.holidays.year(2026)
    assert year is not None
    listed = {(d.date, d.name, d.kind) for d in year.days}
    assert (date(2026, 7, 3), "Summer party", "custom") in listed
    assert (date(2026, 12, 25), "Christmas Day", "public") in listed
    assert flow.created_at.tzinfo is not None


def test_call_flows_are_listed_by_name_within_their_tenant_only(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    group_id = make_group(sessions, tenant_id)
    create(sessions, tenant_id, flow_body(group_id, name="Support"))
    create(sessions, tenant_id, flow_body(group_id, name="Sales", phone_number="+442079460124"))
    other = new_tenant(sessions, "Fabrikam")
    with sessions() as db:
        assert [f.name for f in service.list_call_flows(db, tenant_id)] == ["Sales", "Support"]
        assert service.list_call_flows(db, other) == []


def test_another_tenants_call_flow_is_not_found(sessions: Sessions, tenant_id: uuid.UUID) -> None:
    call_flow_id = create(sessions, tenant_id, flow_body(make_group(sessions, tenant_id)))
    other = new_tenant(sessions, "Fabrikam")
    with sessions() as db, pytest.raises(NotFound):
        service.get_call_flow(db, other, call_flow_id)
    with sessions() as db, pytest.raises(NotFound):
        service.delete_call_flow(db, other, call_flow_id)


def test_a_second_call_flow_with_the_same_name_or_number_is_a_conflict(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    group_id = make_group(sessions, tenant_id)
    create(sessions, tenant_id, flow_body(group_id))
    with pytest.raises(Conflict, match="named"):
        create(sessions, tenant_id, flow_body(group_id, phone_number="+442079460999"))
    with pytest.raises(Conflict, match="answers"):
        create(sessions, tenant_id, flow_body(group_id, name="Other"))


def test_the_same_number_in_another_tenant_is_fine(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    create(sessions, tenant_id, flow_body(make_group(sessions, tenant_id)))
    other = new_tenant(sessions, "Fabrikam")
    create(sessions, other, flow_body(make_group(sessions, other)))


def test_routing_to_another_tenants_group_is_refused(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    foreign_group = make_group(sessions, new_tenant(sessions, "Fabrikam"))
    with pytest.raises(Invalid, match="group"):
        create(sessions, tenant_id, flow_body(foreign_group))


def test_routing_to_a_user_outside_the_tenant_is_refused_and_to_a_member_accepted(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    body = flow_body(make_group(sessions, tenant_id))
    stranger = make_member(sessions, new_tenant(sessions, "Fabrikam"))
    body["routing"]["closed"] = {"kind": "user", "user_id": str(stranger)}
    with pytest.raises(Invalid, match="user"):
        create(sessions, tenant_id, body)
    body["routing"]["closed"] = {"kind": "user", "user_id": str(make_member(sessions, tenant_id))}
    create(sessions, tenant_id, body)


def test_a_replacement_bumps_the_version(sessions: Sessions, tenant_id: uuid.UUID) -> None:
    group_id = make_group(sessions, tenant_id)
    call_flow_id = create(sessions, tenant_id, flow_body(group_id))
    with sessions() as db:
        current = service.get_call_flow(db, tenant_id, call_flow_id)
        update = current.as_update().model_copy(update={"name": "Main line (UK)"})
        updated = service.update_call_flow(db, tenant_id, call_flow_id, update, now=NOW)
        db.commit()
    assert updated.version == 2
    assert updated.name == "Main line (UK)"
    assert updated.holidays == current.holidays


def test_a_replacement_based_on_an_old_version_is_a_conflict(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    call_flow_id = create(sessions, tenant_id, flow_body(make_group(sessions, tenant_id)))
    with sessions() as db:
        stale = service.get_call_flow(db, tenant_id, call_flow_id).as_update()
        renamed = stale.model_copy(update={"name": "Renamed"})
        service.update_call_flow(db, tenant_id, call_flow_id, renamed, now=NOW)
        db.commit()
    with sessions() as db, pytest.raises(Conflict, match="changed meanwhile"):
        service.update_call_flow(db, tenant_id, call_flow_id, stale, now=NOW)


def test_changing_the_country_replaces_the_public_holidays(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    group_id = make_group(sessions, tenant_id)
    call_flow_id = create(sessions, tenant_id, flow_body(group_id))
    body = flow_body(group_id)
    body["holidays"] = {**body["holidays"], "country": "US", "subdivision": None}
    with sessions() as db:
        updated = service.update_call_flow(
            db, tenant_id, call_flow_id, CallFlowUpdate.model_validate(body), now=NOW
        )
        db.commit()
    year = updated.holidays.year(2026)
    assert year is not None
    names = {d.name for d in year.days}
    assert "Independence Day" in names
    assert "Boxing Day" not in names
    assert "Summer party" in names


def test_an_unchanged_replacement_keeps_the_version(
    sessions: Sessions, tenant_id: uuid.UUID
) -> None:
    call_flow_id = create(sessions, tenant_id, flow_body(make_group(sessions, tenant_id)))
    with sessions() as db:
        current = service.get_call_flow(db, tenant_id, call_flow_id)
        again = service.update_call_flow(db, tenant_id, call_flow_id, current.as_update(), now=NOW)
        db.commit()
    assert again.version == current.version
    assert again.updated_at == current.updated_at


def test_a_deleted_call_flow_is_gone(sessions: Sessions, tenant_id: uuid.UUID) -> None:
    call_flow_id = create(sessions, tenant_id, flow_body(make_group(sessions, tenant_id)))
    with sessions() as db:
        deleted = service.delete_call_flow(db, tenant_id, call_flow_id)
        db.commit()
    assert deleted.id == call_flow_id
    with sessions() as db, pytest.raises(NotFound):
        service.get_call_flow(db, tenant_id, call_flow_id)


def test_a_call_flow_in_an_unknown_tenant_is_not_found(sessions: Sessions) -> None:
    body = CallFlowCreate.model_validate(flow_body(uuid.uuid4()))
    with sessions() as db, pytest.raises(NotFound):
        service.create_call_flow(db, uuid.uuid4(), body, now=NOW)
