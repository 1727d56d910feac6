"""`callmanager audit export` and `audit stats` through the real command line: the API
export's filters and content, offline-verifiable JSON Lines, resuming after a place in the log,
quiet when piped; stats by month and action."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from asgi_audit.tlog.note import Signer
from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.cli import main
from callmanager.services import Services
from tests.conftest import make_settings
from tests.factories import LoggedIn, log_in, make_tenant, make_user
from tests.terminal import on_a_terminal


@dataclass
class Logged:
    """A tenant with a few entries in a checkpointed log, and its API export."""

    tenant: str
    verifier_key: str
    api_jsonl: str
    api_csv: bytes
    size: int


@pytest.fixture
def logged(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Logged:
    signer = Signer.generate("cli.test.example")
    for name, value in {
        "CALLMANAGER_DATABASE_URL": database_url,
        "CALLMANAGER_VAR_DIR": str(tmp_path),
        "CALLMANAGER_SECRET_KEY": "test-secret-key",
        "CALLMANAGER_AUDIT_SIGNING_KEY": signer.key,
        "CALLMANAGER_AUDIT_ORIGIN": "cli.test.example",
    }.items():
        monkeypatch.setenv(name, value)
    app = create_app(
        make_settings(
            database_url,
            tmp_path,
            audit_signing_key=signer.key,
            audit_origin="cli.test.example",
        )
    )
    services: Services = app.state.services
    tenant = make_tenant(services, "Contoso Export")
    make_user(services, tenant, "w@contoso.example", Role.WRITER)
    with TestClient(app) as client:
        log_in(client, "w@contoso.example")
        user = LoggedIn(client=client, tenant_id=tenant, user_id=tenant, email="w@contoso.example")
        for name in ("Sales", "Support", "Billing"):
            assert client.post(user.url("/groups"), json={"name": name}).status_code == 201
        client.get(user.url("/groups"))
        assert services.audit_writer is not None
        services.audit_writer.flush_blocking(timeout=5)
        services.notary.run_once()
        api_jsonl = client.get(user.url("/audit-log/export"), params={"format": "jsonl"}).text
        api_csv = client.get(user.url("/audit-log/export"), params={"format": "csv"}).content
        checkpoint = services.audit_store.checkpoint(tenant)
        assert checkpoint is not None
    return Logged(str(tenant), signer.verifier.key, api_jsonl, api_csv, checkpoint.size)


def _ids(jsonl: str) -> list[str]:
    return [json.loads(line)["id"] for line in jsonl.splitlines()[:-1]]


def test_a_jsonl_export_holds_what_the_api_exports_and_verifies_offline(
    logged: Logged, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "contoso.jsonl"
    argv = ["audit", "export", "--tenant", "Contoso Export", "--format", "jsonl"]
    assert main([*argv, "--output", str(output)]) == 0
    exported = output.read_text()
    assert _ids(exported) == _ids(logged.api_jsonl)
    assert len(_ids(exported)) == 3  # today's modifications, as the API's default view
    assert capsys.readouterr().err == ""  # piped: no progress
    assert not list(tmp_path.glob("*.partial"))
    assert main(["audit", "verify", "--offline", str(output), "--key", logged.verifier_key]) == 0


def test_a_csv_export_is_byte_for_byte_the_api_export(logged: Logged, tmp_path: Path) -> None:
    output = tmp_path / "contoso.csv"
    argv = ["audit", "export", "--tenant", logged.tenant, "--format", "csv"]
    assert main([*argv, "--output", str(output)]) == 0
    assert output.read_bytes() == logged.api_csv


def test_filters_narrow_the_export_like_the_api(logged: Logged, tmp_path: Path) -> None:
    output = tmp_path / "reads.jsonl"
    argv = ["audit", "export", "--tenant", logged.tenant, "--format", "jsonl"]
    argv += ["--action-type", "read", "--q", "groups", "--output", str(output)]
    assert main(argv) == 0
    lines = [json.loads(line) for line in output.read_text().splitlines()[:-1]]
    assert [line["action"] for line in lines] == ["read"]


def test_an_export_resumes_after_a_place_in_the_log_and_still_verifies(
    logged: Logged, tmp_path: Path
) -> None:
    rest = tmp_path / "rest.jsonl"
    argv = ["audit", "export", "--tenant", logged.tenant, "--format", "jsonl"]
    assert main([*argv, "--after-seq", "1", "--output", str(rest)]) == 0
    *lines, trailer = [json.loads(line) for line in rest.read_text().splitlines()]
    # The latest checkpoint: the one taken before, or a later one (the app's writer may have
    # checkpointed the fixture's own reads as it stopped).
    size = trailer["range"]["end"]
    assert size >= logged.size
    assert trailer["range"] == {"start": 2, "end": size}
    assert [line["seq"] for line in lines] == list(range(2, size))
    assert main(["audit", "verify", "--offline", str(rest), "--key", logged.verifier_key]) == 0

    whole = tmp_path / "whole.jsonl"
    assert main([*argv, "--after-seq", "-1", "--output", str(whole)]) == 0
    *entries, trailer = [json.loads(line) for line in whole.read_text().splitlines()]
    assert [entry["seq"] for entry in entries] == list(range(trailer["range"]["end"]))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--after-seq", "0", "--action-type", "all"], "--after-seq"),
        (["--from", "not a date"], "from"),
    ],
)
def test_a_resumed_export_with_filters_or_a_bad_filter_is_a_usage_error(
    logged: Logged,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    argv = ["audit", "export", "--tenant", logged.tenant, "--format", "jsonl"]
    assert main([*argv, *extra, "--output", str(tmp_path / "x.jsonl")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()


def test_an_unknown_tenant_is_a_usage_error(
    logged: Logged, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["audit", "export", "--tenant", "Fabrikam", "--format", "csv"]
    assert main([*argv, "--output", str(tmp_path / "x.csv")]) == 2
    assert "Fabrikam" in capsys.readouterr().err


def test_stats_count_entries_by_month_and_action_and_name_the_store(
    logged: Logged, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "stats", "--tenant", logged.tenant]) == 0
    out = capsys.readouterr().out
    assert "audit store: " in out
    assert "unknown" not in out.splitlines()[0]
    assert "oldest entry: 20" in out
    assert "s ago" in out  # the latest checkpoint's age
    header, row = [line.split() for line in out.splitlines()[-2:]]
    assert header[0] == "month"
    counts = dict(zip(header[1:], map(int, row[1:]), strict=True))
    assert counts["create"] == 3
    assert counts["read"] >= 1
    assert counts["total"] == sum(v for k, v in counts.items() if k != "total")


def test_on_a_terminal_the_export_shows_its_progress(logged: Logged, tmp_path: Path) -> None:
    """stderr a pseudo-terminal: rich draws the bar there, and the count of lines written."""
    output = tmp_path / "tty.jsonl"
    argv = ["audit", "export", "--tenant", logged.tenant, "--format", "jsonl"]
    shown = on_a_terminal([*argv, "--output", str(output)])
    assert f"{output}: 4 lines".encode() in shown
    assert output.exists()


def test_verify_counts_entries_on_a_terminal_and_says_nothing_on_stderr_when_piped(
    logged: Logged, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = on_a_terminal(["audit", "verify", "--tenant", logged.tenant])
    assert b"\rverified " in shown
    assert main(["audit", "verify", "--tenant", logged.tenant]) == 0
    piped = capsys.readouterr()
    assert piped.err == ""
    assert "verified" in piped.out
