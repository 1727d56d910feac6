"""What the log streams API refuses, and why: a problem for each bad or unsafe destination.
The rules do not depend on the database: SQLite only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import LoginAs, make_settings
from tests.integration.streams.test_streams_api import webhook


@pytest.fixture
def settings(sqlite_database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        sqlite_database_url, tmp_path, streams_allow_private=True, streams_enabled=False
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (webhook("ftp://siem.example.com/x"), "https"),
        (webhook(format="cef"), "syslog"),
        (
            {"name": "HEC", "destination": {"kind": "splunk_hec", "url": "https://h.example.com"}},
            "token",
        ),
        (
            {
                "name": "Syslog",
                "destination": {"kind": "syslog", "host": "s.example.com", "client_key_pem": "x"},
            },
            "certificate",
        ),
        (
            {
                "name": "HEC",
                "destination": {
                    "kind": "splunk_hec",
                    "url": "https://h.example.com",
                    "token": "t",
                    "ca_pem": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
                },
            },
            "ca_pem",
        ),
        ({**webhook(), "colour": "red"}, "validation"),
        ({"name": "No kind", "destination": {"url": "https://siem.example.com"}}, "validation"),
    ],
    ids=[
        "ftp",
        "cef-on-webhook",
        "hec-without-token",
        "key-without-cert",
        "hec-ca-not-pem",
        "unknown",
        "no-kind",
    ],
)
def test_bad_streams_are_refused_with_a_problem_saying_why(
    login_as: LoginAs, body: dict[str, Any], says: str
) -> None:
    owner = login_as(Role.OWNER)
    response = owner.client.post(owner.url("/audit-log/streams"), json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.text.lower()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest",
        "http://[::1]/",
    ],
)
def test_destinations_in_private_networks_are_refused_unless_allowed(
    login_as: LoginAs, services: Services, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setattr(services.settings, "streams_allow_private", False)
    owner = login_as(Role.OWNER)
    response = owner.client.post(owner.url("/audit-log/streams"), json=webhook(url))
    assert response.status_code == 422, response.text
    assert "unsafe destination" in response.json()["detail"].lower()
