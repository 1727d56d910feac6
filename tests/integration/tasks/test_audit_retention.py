"""The audit-retention System task: through the API, each tenant pruned to its own period, each
pruning itself a System entry saying how many entries before which day went, idempotent, and
the log verifying before and after, online and offline on an export."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from asgi_audit.testing import make_event
from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.cli import main
from callmanager.db import utcnow
from callmanager.domain.tenants.models import Tenant
from callmanager.domain.tenants.retention import history_begins, prune_before
from callmanager.services import Services
from callmanager.settings import Settings
from callmanager.tasks.audit_retention import RetentionReport, run_audit_retention
from tests.conftest import LoginAs, make_settings
from tests.databases import migrated_database
from tests.factories import LoggedIn, audit_store_down, make_tenant

DAYS = 60
"""The period the Owner sets: generated entries span 200 days back."""
SYSTEM_ACTOR = {"type": "system", "id": "audit-retention", "email": None, "name": "audit-retention"}


def generate(services: Services, tenant_id: uuid.UUID, n: int = 100) -> list[Any]:
    """`n` finished entries from 200 days ago to yesterday, written straight into the store,
    then checkpointed."""
    now = utcnow()
    events = [
        make_event(tenant_id, occurred_at=now - timedelta(days=200) + i * timedelta(days=2))
        for i in range(n)
    ]
    services.audit_store.write(events, [])
    services.notary.run_once()
    return events


def run(client: TestClient, app: FastAPI) -> RetentionReport:
    assert client.portal is not None
    report: RetentionReport = client.portal.call(run_audit_retention, app)
    return report


def system_entries(owner: LoggedIn, services: Services) -> list[dict[str, Any]]:
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    response = owner.client.get(
        owner.url("/audit-log"),
        params={"actor_type": "system", "action_type": "delete", "order": "asc", "limit": 200},
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def verify_online(
    services: Services, settings_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> int:
    """`callmanager audit verify` once the app's own entries (its reads too) are written."""
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    for name, value in settings_env.items():
        monkeypatch.setenv(name, value)
    return main(["audit", "verify"])


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The app's settings, checkpointing whenever asked: `generate` signs what it wrote."""
    return make_settings(database_url, tmp_path, audit_checkpoint_interval_s=0.001)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """What `callmanager audit verify` needs to find the app's database and keys."""
    return {"CALLMANAGER_VAR_DIR": str(tmp_path), "CALLMANAGER_DATABASE_URL": database_url}


def test_the_task_prunes_to_the_period_once_and_the_log_verifies_before_and_after(
    login_as: LoginAs,
    client: TestClient,
    app: FastAPI,
    services: Services,
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    owner = login_as(Role.OWNER)
    set_days = owner.client.patch(owner.url(""), json={"audit_retention_days": DAYS})
    assert set_days.status_code == 200, set_days.text
    events = generate(services, owner.tenant_id)
    tenant = owner.client.get(owner.url("")).json()
    cut = prune_before(DAYS, tenant["time_zone"], utcnow())
    begins = history_begins(DAYS, tenant["time_zone"], utcnow()).isoformat()
    old = sum(1 for e in events if e.occurred_at < cut)
    assert 0 < old < len(events)
    assert verify_online(services, env, monkeypatch) == 0

    report = run(client, app)
    assert report.ok
    assert [(t.tenant_id, t.pruned) for t in report.changed] == [(owner.tenant_id, old)]
    again = run(client, app)
    assert (again.ok, again.changed, again.pruned) == (True, [], 0)

    system = system_entries(owner, services)
    assert [e["summary"] for e in system] == [
        f"Pruned {old} entries before {begins} (kept for {DAYS} days)",
        f"Pruned 0 entries before {begins} (kept for {DAYS} days)",
    ]
    for entry in system:
        assert (entry["actor"], entry["source"], entry["outcome"]) == (
            SYSTEM_ACTOR,
            "System",
            "succeeded",
        )
        assert entry["path"] == f"/api/v1/tenants/{owner.tenant_id}/audit-log/prune"

    services.notary.run_once()
    leaves = owner.client.get(owner.url("/audit-log/leaves"), params={"start": 0, "end": 200})
    lines = [orjson.loads(line) for line in leaves.content.splitlines()]
    gone = {str(e.id) for e in events if e.occurred_at < cut}
    pruned = [line for line in lines if line["entry_id"] in gone]
    assert [(line["pruned"], line["leaf"], len(line["hash"])) for line in pruned] == [
        (True, None, 44)
    ] * old
    assert all(line["leaf"] for line in lines if line["entry_id"] not in gone)
    capsys.readouterr()
    assert verify_online(services, env, monkeypatch) == 0
    assert f"{old} pruned: verified" in capsys.readouterr().out

    export = owner.client.get(
        owner.url("/audit-log/export"), params={"format": "jsonl", "seq_start": 0}
    )
    assert export.status_code == 200, export.text
    path = tmp_path / "export.jsonl"
    path.write_bytes(export.content)
    key = client.get("/api/v1/audit-log/keys").json()["keys"][0]["verifier_key"]
    assert main(["audit", "verify", "--offline", str(path), "--key", key]) == 0
    assert f"{old} pruned: verified" in capsys.readouterr().out


def test_each_tenant_keeps_its_own_period(
    login_as: LoginAs, client: TestClient, app: FastAPI, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    other = make_tenant(services, "Fabrikam")
    generate(services, owner.tenant_id)
    generate(services, other)
    owner.client.patch(owner.url(""), json={"audit_retention_days": 30})
    report = run(client, app)
    assert [t.tenant_id for t in report.changed] == [owner.tenant_id], "400 days keep all of 200"
    assert report.checked == 2


@pytest.mark.parametrize("role", [Role.OWNER, Role.READER])
def test_only_the_system_may_prune_and_a_refusal_is_recorded(
    login_as: LoginAs, services: Services, role: Role
) -> None:
    caller = login_as(role)
    generate(services, caller.tenant_id)
    refused = caller.client.post(caller.url("/audit-log/prune"))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    owner = login_as(Role.OWNER)
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    found = owner.client.get(
        owner.url("/audit-log"), params={"resource_type": "audit_log", "action_type": "delete"}
    ).json()["items"]
    assert [e["status"] for e in found] == [403]
    assert found[0]["summary"].startswith("Tried to prune the audit log's entries")


def test_the_retention_period_is_shown_to_every_role_and_changed_by_owners_only(
    login_as: LoginAs, services: Services
) -> None:
    owner, writer, setup = login_as(Role.OWNER), login_as(Role.WRITER), login_as(Role.TENANT_SETUP)
    for someone in (owner, writer, setup, login_as(Role.READER)):
        assert someone.client.get(someone.url("")).json()["audit_retention_days"] == 400
    assert writer.client.patch(writer.url(""), json={"audit_retention_days": 90}).status_code == 403
    for wrong in (29, 3651, "a year"):
        refused = owner.client.patch(owner.url(""), json={"audit_retention_days": wrong})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["loc"][-1] == "audit_retention_days"
    changed = owner.client.patch(owner.url(""), json={"audit_retention_days": 3650})
    assert changed.json()["audit_retention_days"] == 3650
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    edits = owner.client.get(owner.url("/audit-log"), params={"resource_type": "tenant"}).json()
    assert [(e["method"], e["status"]) for e in edits["items"]][:1] == [("PATCH", 200)]
    entry = owner.client.get(owner.url(f"/audit-log/{edits['items'][0]['id']}")).json()
    assert entry["summary"].startswith("Edited tenant: audit retention days")
    changed = {f["field"]: (f["before"], f["after"]) for f in entry["changes"]["fields"]}
    assert changed["audit_retention_days"] == (400, 3650)


def test_tasks_run_audit_retention_prunes_now_and_says_what_it_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CALLMANAGER_VAR_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    url = f"sqlite:///{tmp_path / 'callmanager.db'}"
    services = create_app(make_settings(url, tmp_path)).state.services
    tenant_id = make_tenant(services, "Contoso")
    with services.unit_of_work() as uow:
        uow.session.get(Tenant, tenant_id).audit_retention_days = 30
        uow.commit()
    events = generate(services, tenant_id)
    services.engine.dispose()
    services.audit_store.close()
    old = sum(1 for e in events if e.occurred_at < prune_before(30, "UTC", utcnow()))

    assert main(["tasks", "run", "audit-retention"]) == 0
    out = capsys.readouterr().out
    assert f"checked 1 tenants, pruned {old} entries in 1, failed 0" in out
    assert f"tenant {tenant_id}: pruned {old} entries before " in out
    assert main(["tasks", "run", "audit-retention"]) == 0
    assert "checked 1 tenants, pruned 0 entries in 0, failed 0" in capsys.readouterr().out

    # `audit stats` counts what remains (the rollup lost the pruned entries) from its oldest.
    assert main(["audit", "stats", "--tenant", str(tenant_id)]) == 0
    out = capsys.readouterr().out.splitlines()
    [oldest] = [line.removeprefix("oldest entry: ") for line in out if "oldest entry" in line]
    cut = prune_before(30, "UTC", utcnow())
    kept = sorted(e.occurred_at for e in events if e.occurred_at >= cut)
    assert datetime.fromisoformat(oldest) == kept[0]
    months = out[out.index("") + 2 :]
    assert sum(int(row.split()[-1]) for row in months) >= len(kept)  # + the task's own entries
    assert sum(int(row.split()[-1]) for row in months) < len(events)


def test_history_begins_where_the_last_pruning_cut_once_the_period_is_lengthened(
    login_as: LoginAs, client: TestClient, app: FastAPI, services: Services
) -> None:
    """Lengthening the period brings nothing pruned back: the tenant (every role reads it, the
    UI shows it) says history begins where the entries really begin."""
    owner = login_as(Role.OWNER)
    reader = login_as(Role.READER)
    owner.client.patch(owner.url(""), json={"audit_retention_days": DAYS})
    generate(services, owner.tenant_id)
    zone = owner.client.get(owner.url("")).json()["time_zone"]
    pruned_to = history_begins(DAYS, zone, utcnow()).isoformat()
    assert run(client, app).pruned > 0

    lengthened = owner.client.patch(owner.url(""), json={"audit_retention_days": 400})
    assert lengthened.json()["audit_history_begins"] == pruned_to
    for someone in (owner, reader):
        tenant = someone.client.get(someone.url("")).json()
        assert (tenant["audit_retention_days"], tenant["audit_history_begins"]) == (400, pruned_to)
    [listed] = [
        t for t in owner.client.get("/api/v1/tenants").json() if t["id"] == str(owner.tenant_id)
    ]
    assert listed["audit_history_begins"] == pruned_to

    shortened = owner.client.patch(owner.url(""), json={"audit_retention_days": 30})
    assert (
        shortened.json()["audit_history_begins"] == history_begins(30, zone, utcnow()).isoformat()
    )


def test_the_tenant_still_reads_with_its_audit_store_down(tmp_path: Path) -> None:
    """Admin Setup reads the tenant: without the retention mark, history begins by the period."""
    with (
        migrated_database("sqlite", tmp_path) as url,
        audit_store_down(url, tmp_path, Role.TENANT_SETUP) as down,
    ):
        tenant = down.client.get(f"/api/v1/tenants/{down.tenant_id}")
    assert tenant.status_code == 200, tenant.text
    assert tenant.json()["audit_history_begins"] == history_begins(400, "UTC", utcnow()).isoformat()
