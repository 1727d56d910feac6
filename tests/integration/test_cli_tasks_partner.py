"""The command line of tasks and partner access: `tasks run holiday-migration`, `partner grant`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from callmanager.app import create_app
from callmanager.cli import main
from callmanager.domain.callflows import service
from callmanager.domain.callflows.schemas import CallFlowCreate
from callmanager.services import Services
from tests.conftest import make_settings
from tests.factories import make_tenant


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CALLMANAGER_VAR_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    return tmp_path


def services_of(var_dir: Path) -> Services:
    app = create_app(make_settings(f"sqlite:///{var_dir / 'callmanager.db'}", var_dir))
    services: Services = app.state.services
    return services


@pytest.mark.parametrize("argv", [["tasks"], ["tasks", "run"], ["partner"], ["partner", "grant"]])
def test_task_and_partner_commands_have_help(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: callmanager" in capsys.readouterr().out


def test_tasks_run_migrates_holidays_and_a_second_run_finds_nothing_to_do(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = services_of(var_dir)
    tenant_id = make_tenant(services, "Contoso")
    body = {
        "name": "Main line",
        "phone_number": "+44 20 7946 0123",
        "routing": {k: {"kind": "voicemail"} for k in ("open", "closed", "holiday")},
        "holidays": {"country": "GB", "subdivision": "ENG"},
    }
    with services.unit_of_work() as uow:
        service.create_call_flow(uow.session, tenant_id, CallFlowCreate.model_validate(body))
        uow.commit()
    services.engine.dispose()

    assert main(["tasks", "run", "holiday-migration"]) == 0
    first = capsys.readouterr().out
    assert "checked 1 call flows, changed 1, failed 0" in first
    assert "Main line: " in first
    assert main(["tasks", "run", "holiday-migration"]) == 0
    assert "checked 1 call flows, changed 0, failed 0" in capsys.readouterr().out


def test_an_unknown_task_is_refused(var_dir: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["tasks", "run", "make-coffee"])
    assert exit_info.value.code == 2


def test_partner_grant_prints_a_link_that_logs_a_partner_in(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = services_of(var_dir)
    tenant_id = make_tenant(services, "Contoso")
    services.engine.dispose()
    assert (
        main(["partner", "grant", "--tenant", "Contoso", "--base-url", "https://cm.example"]) == 0
    )
    link = capsys.readouterr().out.strip().splitlines()[-1]
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://cm.example/partner-access"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["tenant"] == str(tenant_id)

    app = create_app(make_settings(f"sqlite:///{var_dir / 'callmanager.db'}", var_dir))
    with TestClient(app) as client:
        entered = client.get("/partner-access", params=query, follow_redirects=False)
        assert entered.status_code == 303, entered.text
        assert client.get("/api/v1/auth/me").json()["kind"] == "partner"
        again = TestClient(app).get("/partner-access", params=query, follow_redirects=False)
        assert again.status_code == 401


def test_partner_grant_refuses_an_unknown_tenant(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["partner", "grant", "--tenant", "Nobody"]) == 2
    assert "no single tenant" in capsys.readouterr().err
