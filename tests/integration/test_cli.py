"""The command line: help everywhere, migrations, and tenant creation with a one-time link."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callmanager.app import create_app
from callmanager.cli import main
from tests.conftest import make_settings


@pytest.mark.parametrize(
    "argv",
    [[], ["serve"], ["db"], ["db", "upgrade"], ["tenant"], ["tenant", "create"], ["demo", "seed"]],
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: callmanager" in capsys.readouterr().out


def test_tenant_create_prints_an_owner_invitation_link_that_works_and_is_the_logs_first_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CALLMANAGER_VAR_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0
    code = main(
        ["tenant", "create", "--name", "Fabrikam", "--owner-email", "boss@fabrikam.example"]
    )
    assert code == 0
    link = capsys.readouterr().out.strip().splitlines()[-1]
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))

    app = create_app(make_settings(f"sqlite:///{tmp_path / 'callmanager.db'}", tmp_path))
    with TestClient(app) as client:
        accepted = client.post(
            f"/api/v1/tenants/{query['tenant']}/invitations/accept",
            json={"token": query["token"], "password": "a long enough password"},
        )
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["role"] == "owner"
        logged_in = client.post(
            "/api/v1/auth/login",
            json={"email": "boss@fabrikam.example", "password": "a long enough password"},
        )
        assert logged_in.status_code == 200, logged_in.text
        found = client.get(
            f"/api/v1/tenants/{query['tenant']}/audit-log",
            params={"actor_type": "system", "order": "asc"},
        )
    assert found.status_code == 200, found.text
    assert [(e["summary"], e["source"]) for e in found.json()["items"]] == [
        ("Created tenant 'Fabrikam' (time zone UTC)", "Command line"),
        ("Invited 'boss@fabrikam.example' as Owner", "Command line"),
    ]


def test_tenant_create_refuses_an_unknown_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CALLMANAGER_VAR_DIR", str(tmp_path))
    main(["db", "upgrade"])
    argv = [
        "tenant",
        "create",
        "--name",
        "X",
        "--owner-email",
        "x@x.example",
        "--time-zone",
        "Nowhere",
    ]
    assert main(argv) == 2
    assert "Unknown time zone" in capsys.readouterr().err
