"""Every API call of the holiday-migration task is in the tenant's audit log as System."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.tasks.holiday_migration import run_holiday_migration
from tests.conftest import LoginAs
from tests.factories import LoggedIn
from tests.integration.tasks.test_holiday_migration import flow_body

SYSTEM_ACTOR = {
    "type": "system",
    "id": "holiday-migration",
    "email": None,
    "name": "holiday-migration",
}


def log_entries(owner: LoggedIn, services: Services, **params: Any) -> list[dict[str, Any]]:
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    response = owner.client.get(
        owner.url("/audit-log"), params={"limit": 200, "action_type": "all", **params}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _owner_after_one_run(login_as: LoginAs, client: TestClient, app: FastAPI) -> LoggedIn:
    """An owner whose tenant has one London call flow, after one run of the task."""
    owner = login_as(Role.OWNER)
    made = owner.client.post(
        owner.url("/call-flows"), json=flow_body("London", "+44 20 7946 0100", "GB", None)
    )
    assert made.status_code == 201, made.text
    assert client.portal is not None
    client.portal.call(run_holiday_migration, app)
    return owner


def test_each_get_and_put_of_the_task_is_recorded_as_system_with_no_user(
    login_as: LoginAs, client: TestClient, app: FastAPI, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    for name, number, country in [
        ("London", "+44 20 7946 0100", "GB"),
        ("NY", "+1 212 555 0100", "US"),
    ]:
        made = owner.client.post(
            owner.url("/call-flows"), json=flow_body(name, number, country, None)
        )
        assert made.status_code == 201, made.text

    assert client.portal is not None
    report = client.portal.call(run_holiday_migration, app)
    assert len(report.changed) == 2

    system = log_entries(owner, services, actor_type="system")
    assert sorted((e["method"], e["summary"]) for e in system) == [
        ("GET", "Listed call flows"),
        ("PUT", "Edited call flow 'London': holidays"),
        ("PUT", "Edited call flow 'NY': holidays"),
    ]
    for entry in system:
        assert entry["actor"] == SYSTEM_ACTOR
        assert entry["source"] == "System"
        assert entry["outcome"] == "succeeded"
    everything = log_entries(owner, services)
    task_calls = [e for e in everything if e["actor"]["type"] == "system"]
    assert task_calls == system
    assert all(e["actor"]["type"] == "user" for e in everything if e not in system)


def test_the_task_credential_is_never_stored_in_its_entries(
    login_as: LoginAs, client: TestClient, app: FastAPI, services: Services
) -> None:
    owner = _owner_after_one_run(login_as, client, app)
    for entry in log_entries(owner, services, actor_type="system"):
        whole = owner.client.get(owner.url(f"/audit-log/{entry['id']}")).json()
        assert services.system_secret not in json.dumps(whole)


def test_a_second_run_only_reads_and_changes_nothing(
    login_as: LoginAs, client: TestClient, app: FastAPI, services: Services
) -> None:
    owner = _owner_after_one_run(login_as, client, app)
    before = log_entries(owner, services, actor_type="system")
    client.portal.call(run_holiday_migration, app)
    after = log_entries(owner, services, actor_type="system")
    new = [e for e in after if e not in before]
    assert [(e["method"], e["summary"]) for e in new] == [("GET", "Listed call flows")]
    modifications = log_entries(owner, services, actor_type="system", action_type="modifications")
    assert len(modifications) == 1
