"""Two real server processes on one PostgreSQL, each caching principals: a revocation made
through one is refused by the other on the very next call (token, logout, role, removal)."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.services import Services
from tests.conftest import make_settings
from tests.databases import migrated_database
from tests.factories import PASSWORD, make_tenant, make_user
from tests.live import serve

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

OWNER = "owner@contoso.example"
WRITER = "writer@contoso.example"


def _client(stack: ExitStack, base_url: str, **options: object) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60, **options)  # type: ignore[arg-type]
    stack.callback(client.close)
    return client


def _logged_in(stack: ExitStack, base_url: str, email: str) -> httpx.Client:
    client = _client(stack, base_url)
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers[CSRF_HEADER] = response.json()["csrf_token"]
    return client


def test_a_revocation_on_one_server_is_refused_by_the_other_on_the_next_call(
    tmp_path: Path,
) -> None:
    with migrated_database("postgres", tmp_path) as url:
        services = Services.build(make_settings(url, tmp_path))
        tenant = make_tenant(services)
        make_user(services, tenant, OWNER, Role.OWNER)
        writer_id = make_user(services, tenant, WRITER, Role.WRITER)
        services.engine.dispose()
        groups = f"/api/v1/tenants/{tenant}/groups"

        with ExitStack() as stack:
            one = stack.enter_context(serve(tmp_path, url, "--no-access-log")).base_url
            two = stack.enter_context(serve(tmp_path, url, "--no-access-log")).base_url
            owner_one = _logged_in(stack, one, OWNER)
            writer_one = _logged_in(stack, one, WRITER)
            # The writer's session is used on the second server too (the same cookie).
            writer_two = _client(stack, two)
            writer_two.cookies = writer_one.cookies
            writer_two.headers[CSRF_HEADER] = writer_one.headers[CSRF_HEADER]

            made = writer_one.post("/api/v1/auth/tokens", json={"name": "CI"}).json()
            bearer = {"Authorization": f"Bearer {made['token']}"}
            token_two = _client(stack, two, headers=bearer)
            for _ in range(2):  # cached on the second server
                assert token_two.get(groups).status_code == 200
                assert (
                    writer_two.post(groups, json={"name": f"W {uuid.uuid4()}"}).status_code == 201
                )

            revoked = writer_one.delete(f"/api/v1/auth/tokens/{made['id']}")
            assert revoked.status_code == 204
            assert token_two.get(groups).status_code == 401

            lowered = owner_one.patch(
                f"/api/v1/tenants/{tenant}/portal-users/{writer_id}", json={"role": "reader"}
            )
            assert lowered.status_code == 200, lowered.text
            assert writer_two.post(groups, json={"name": "Refused"}).status_code == 403
            assert writer_two.get(groups).status_code == 200

            removed = owner_one.delete(f"/api/v1/tenants/{tenant}/portal-users/{writer_id}")
            assert removed.status_code == 204, removed.text
            assert writer_two.get(groups).status_code in (401, 404)

            owner_two = _client(stack, two)
            owner_two.cookies = owner_one.cookies
            assert owner_two.get(groups).status_code == 200
            assert owner_one.post("/api/v1/auth/logout").status_code in (200, 204)
            assert owner_two.get(groups).status_code == 401
