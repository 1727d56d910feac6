"""The log streams API: who may do what, what is refused and why, secrets shown once and then
never (not by the API, not in the audit log, not in the database in the clear), pause and resume,
and a test event that reaches a real receiver."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy import select

from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.settings import Settings
from callmanager.streams.models import LogStream
from tests.conftest import LoginAs, make_settings
from tests.factories import LoggedIn, log_in, make_tenant, make_user
from tests.integration.api.test_truthful_entries import logged, whole
from tests.webhook_receiver import webhook_receiver

PEM_TAIL = "-----END PRIVATE KEY-----"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """No deliverer here (the delivery tests have theirs): only the API is under test."""
    return make_settings(database_url, tmp_path, streams_allow_private=True, streams_enabled=False)


def webhook(url: str = "https://siem.example.com/hooks", **more: Any) -> dict[str, Any]:
    return {"name": "SOC webhook", "destination": {"kind": "webhook", "url": url}, **more}


def create(owner: LoggedIn, body: dict[str, Any]) -> dict[str, Any]:
    response = owner.client.post(owner.url("/audit-log/streams"), json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_an_owner_creates_a_webhook_stream_and_sees_its_secret_once(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER)
    created = create(owner, webhook())
    assert created["secret"].startswith("whsec_")
    assert created["destination"] == {
        "kind": "webhook",
        "url": "https://siem.example.com/hooks",
        "has_secret": True,
    }
    assert created["format"] == "native"
    assert created["action_type"] == "all"
    assert created["health"]["status"] == "active"
    assert created["health"]["cursor_seq"] is None

    again = owner.client.get(owner.url(f"/audit-log/streams/{created['id']}"))
    assert again.status_code == 200
    assert "secret" not in again.json()
    listed = owner.client.get(owner.url("/audit-log/streams")).json()["items"]
    assert [s["id"] for s in listed] == [created["id"]]
    assert created["secret"] not in str(listed)


def test_a_stream_from_now_starts_after_the_last_entry_and_from_seq_where_told(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    owner.client.get(owner.url("/groups"))
    assert services.audit_writer is not None
    services.audit_writer.flush_blocking(timeout=5)
    head = services.audit_store.log_head(owner.tenant_id)
    assert head is not None
    now = create(owner, webhook())
    assert now["start_seq"] > head.seq
    backfill = create(owner, webhook(start={"from_seq": 0}))
    assert backfill["start_seq"] == 0
    assert backfill["health"]["lag_entries"] >= head.seq + 1
    assert backfill["health"]["lag_seconds"] > 0


@pytest.mark.parametrize("role", [Role.WRITER, Role.READER])
def test_writers_and_readers_see_streams_but_may_not_change_them(
    login_as: LoginAs, role: Role
) -> None:
    stream = create(login_as(Role.OWNER), webhook())
    caller = login_as(role)
    path = caller.url(f"/audit-log/streams/{stream['id']}")
    assert caller.client.get(caller.url("/audit-log/streams")).status_code == 200
    assert caller.client.get(path).json()["destination"]["has_secret"] is True
    refused = [
        caller.client.post(caller.url("/audit-log/streams"), json=webhook()),
        caller.client.patch(path, json={"name": "Mine"}),
        caller.client.post(path + "/pause"),
        caller.client.post(path + "/test"),
        caller.client.delete(path),
    ]
    assert [r.status_code for r in refused] == [403] * 5


def test_tenant_setup_does_not_see_streams_and_other_tenants_get_404(
    login_as: LoginAs, app: Any
) -> None:
    owner = login_as(Role.OWNER)
    stream = create(owner, webhook())
    setup = login_as(Role.TENANT_SETUP)
    assert setup.client.get(setup.url("/audit-log/streams")).status_code == 403
    assert setup.client.get(setup.url(f"/audit-log/streams/{stream['id']}")).status_code == 403
    foreign = f"/api/v1/tenants/{uuid.uuid4()}/audit-log/streams"
    assert owner.client.get(foreign).status_code == 404
    assert owner.client.get(owner.url(f"/audit-log/streams/{uuid.uuid4()}")).status_code == 404


def test_secrets_are_in_no_audit_entry_and_not_in_the_database_in_the_clear(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    hook = create(owner, webhook())
    token = "hec-token-" + uuid.uuid4().hex
    hec = create(
        owner,
        {
            "name": "Splunk",
            "destination": {"kind": "splunk_hec", "url": "https://splunk.example.com:8088",
                            "token": token},
        },
    )  # fmt: skip
    assert hec["destination"]["has_token"] is True
    assert token not in str(hec)
    rotated = owner.client.patch(
        owner.url(f"/audit-log/streams/{hook['id']}"), json={"rotate_secret": True}
    ).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != hook["secret"]

    secrets = (hook["secret"], rotated["secret"], token)
    entries = [whole(owner, e) for e in logged(owner, services)]
    streams = [e for e in entries if e["resource"]["type"] == "log_stream"]
    assert [e["summary"] for e in streams] == [
        "Created log stream 'SOC webhook'",
        "Created log stream 'Splunk'",
        "Rotated the secret of log stream 'SOC webhook'",
    ]
    for secret in secrets:
        assert secret not in str(entries)
        assert secret.removeprefix("whsec_") not in str(entries)
    with services.unit_of_work() as uow:
        sealed = list(uow.session.scalars(select(LogStream.secrets)))
    for secret in secrets:
        assert all(secret.encode() not in (s or b"") for s in sealed)


def test_a_syslog_client_key_is_never_shown_nor_logged(
    login_as: LoginAs, services: Services
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    owner = login_as(Role.OWNER)
    body = {
        "name": "Syslog",
        "destination": {
            "kind": "syslog",
            "host": "syslog.example.com",
            "port": 6514,
            "tls": True,
            "client_cert_pem": cert_pem,
            "client_key_pem": key_pem,
        },
        "format": "cef",
    }
    created = create(owner, body)
    assert created["destination"]["has_client_key"] is True
    assert PEM_TAIL not in str(created)
    entries = [whole(owner, e) for e in logged(owner, services)]
    assert PEM_TAIL not in str(entries)
    assert key_pem.splitlines()[1] not in str(entries)


def test_a_splunk_hec_stream_keeps_its_pinned_ca_and_shows_it(login_as: LoginAs) -> None:
    """Splunk's HEC certificate is self-signed by default: the stream trusts the CA given."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Splunk CA")])
    now = datetime.now(UTC)
    ca = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode()
    owner = login_as(Role.OWNER)
    destination = {"kind": "splunk_hec", "url": "https://splunk.example.com:8088"}
    body = {"name": "HEC", "destination": {**destination, "token": "t", "ca_pem": ca_pem}}
    created = create(owner, body)
    assert created["destination"]["ca_pem"] == ca_pem.strip()
    again = owner.client.get(owner.url(f"/audit-log/streams/{created['id']}")).json()
    assert again["destination"]["ca_pem"] == ca_pem.strip()
    assert again["destination"]["has_token"] is True


def test_an_edit_keeps_the_secret_unless_rotated_and_says_what_changed(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    stream = create(owner, webhook())
    path = owner.url(f"/audit-log/streams/{stream['id']}")
    changed = owner.client.patch(
        path,
        json={
            "name": "SOC",
            "destination": {"kind": "webhook", "url": "https://siem.example.com/v2"},
            "action_type": "modifications",
            "format": "ocsf",
        },
    )
    assert changed.status_code == 200, changed.text
    assert "secret" not in changed.json()
    assert changed.json()["destination"]["has_secret"] is True
    assert changed.json()["action_type"] == "modifications"
    [entry] = [e for e in logged(owner, services) if e["action"] == "edit"]
    assert entry["summary"] == (
        "Edited log stream 'SOC webhook': name, destination, format, action type"
    )


def test_pause_and_resume_change_the_status_and_are_audited(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    stream = create(owner, webhook())
    path = owner.url(f"/audit-log/streams/{stream['id']}")
    assert owner.client.post(path + "/pause").json()["health"]["status"] == "paused"
    assert owner.client.get(path).json()["health"]["status"] == "paused"
    assert owner.client.post(path + "/resume").json()["health"]["status"] == "active"
    summaries = [e["summary"] for e in logged(owner, services) if e["action"] == "edit"]
    assert summaries[0].startswith("Paused log stream 'SOC webhook'")
    assert summaries[1].startswith("Resumed log stream 'SOC webhook'")
    assert owner.client.delete(path).status_code == 204
    assert owner.client.get(path).status_code == 404
    assert logged(owner, services)[-2]["summary"] == "Deleted log stream 'SOC webhook'"


def test_a_test_event_reaches_a_real_receiver_signed_and_says_what_it_answered(
    login_as: LoginAs,
) -> None:
    owner = login_as(Role.OWNER)
    with webhook_receiver() as receiver:
        stream = create(owner, webhook(receiver.url))
        receiver.secret = stream["secret"]
        tested = owner.client.post(owner.url(f"/audit-log/streams/{stream['id']}/test"))
        assert tested.status_code == 200, tested.text
        assert tested.json() == {"delivered": True, "status": 200, "answer": "200 OK", "seq": None}
        [delivery] = receiver.deliveries
        assert delivery.verified
        [event] = delivery.events
        assert event["test"] is True
        assert event["seq"] is None
        assert event["tenant_id"] == str(owner.tenant_id)
        assert delivery.payload["type"] == "audit.entries"

        receiver.answers.append(401)
        refused = owner.client.post(owner.url(f"/audit-log/streams/{stream['id']}/test")).json()
        assert refused["delivered"] is False
        assert refused["status"] == 401
        assert "refused by the test" in refused["answer"]
    health = owner.client.get(owner.url(f"/audit-log/streams/{stream['id']}")).json()["health"]
    assert health["cursor_seq"] is None


def test_a_client_of_another_tenant_cannot_reach_this_tenants_stream(
    app: Any, login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    stream = create(owner, webhook())
    other = make_tenant(services, "Fabrikam")
    make_user(services, other, "owner@fabrikam.example", Role.OWNER)
    intruder = TestClient(app)
    log_in(intruder, "owner@fabrikam.example")
    mine = f"/api/v1/tenants/{other}/audit-log/streams/{stream['id']}"
    theirs = owner.url(f"/audit-log/streams/{stream['id']}")
    assert intruder.get(mine).status_code == 404
    assert intruder.get(theirs).status_code == 404
    assert intruder.delete(mine).status_code == 404
