"""The server's output at the default level: each request logged, no secret it carried."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from asgi_audit import REDACTED
from tests.live import serve

pytestmark = pytest.mark.slow

PASSWORD = "a long enough new password"


def _query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def test_no_invitation_token_partner_grant_or_api_key_reaches_the_server_log(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    with serve(tmp_path, sqlite_database_url) as server:
        base = server.base_url
        created = server.cli(
            "tenant", "create", "--name", "Contoso", "--owner-email", "owner@contoso.example",
            "--base-url", base,
        )  # fmt: skip
        invitation = created.strip().splitlines()[-1]
        invited = _query(invitation)
        with httpx.Client(base_url=base, timeout=30) as browser:
            assert browser.get(invitation).status_code == 200  # the accept form
            accepted = browser.post(
                f"/api/v1/tenants/{invited['tenant']}/invitations/accept",
                json={"token": invited["token"], "password": PASSWORD},
            )
            assert accepted.status_code == 201, accepted.text
            login = {"email": "owner@contoso.example", "password": PASSWORD}
            csrf = browser.post("/api/v1/auth/login", json=login).json()["csrf_token"]
            api_key = browser.post(
                "/api/v1/auth/tokens", json={"name": "CI"}, headers={"X-CSRF-Token": csrf}
            ).json()["token"]
            browser.get("/api/v1/auth/me", params={"api_key": api_key, "view": "full"})

        partner_link = server.cli("partner", "grant", "--tenant", "Contoso", "--base-url", base)
        partner_link = partner_link.strip().splitlines()[-1]
        grant = _query(partner_link)["grant"]
        with httpx.Client(timeout=30) as partner:
            assert partner.get(partner_link, follow_redirects=False).status_code == 303

    logged = server.stdout() + server.stderr()
    for secret in (invited["token"], grant, api_key):
        assert secret not in logged
        assert quote(secret, safe="") not in logged
    assert f"/accept-invitation?tenant={invited['tenant']}&token={REDACTED}" in logged
    assert f"grant={REDACTED}" in logged
    assert f"/api/v1/auth/me?api_key={REDACTED}&view=full" in logged
