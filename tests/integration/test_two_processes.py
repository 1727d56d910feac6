"""Two real server processes on one PostgreSQL, writing the same tenant at once, build one
tree: places 0..n-1 without gap or repeat, the tree verifies, and its checkpoints agree."""

from __future__ import annotations

import itertools
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from asgi_audit import SqlAuditStore
from asgi_audit.store.tables import c
from asgi_audit.store.verify import LogVerifier
from asgi_audit.tlog.merkle import verify_consistency
from asgi_audit.tlog.note import Signer
from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.services import Services
from tests.conftest import make_settings
from tests.databases import migrated_database
from tests.factories import PASSWORD, make_tenant, make_user
from tests.live import serve

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EMAIL = "writer@contoso.example"
ORIGIN = "two.test.example"
PER_SERVER = 40
"""Groups each server is asked to create, from several threads."""


def _logged_in(client: httpx.Client) -> httpx.Client:
    response = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers[CSRF_HEADER] = response.json()["csrf_token"]
    return client


def _create_groups(client: httpx.Client, tenant: uuid.UUID, prefix: str) -> list[int]:
    def create(n: int) -> int:
        body = {"name": f"{prefix} {n}", "description": "", "members": []}
        return client.post(f"/api/v1/tenants/{tenant}/groups", json=body).status_code

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(create, range(PER_SERVER)))


def test_two_servers_writing_one_tenant_build_one_consistent_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = Signer.generate(ORIGIN)
    monkeypatch.setenv("CALLMANAGER_AUDIT_SIGNING_KEY", signer.key)
    monkeypatch.setenv("CALLMANAGER_AUDIT_ORIGIN", ORIGIN)
    monkeypatch.setenv("CALLMANAGER_AUDIT_CHECKPOINT_INTERVAL_S", "0.3")
    with migrated_database("postgres", tmp_path) as url:
        services = Services.build(make_settings(url, tmp_path))
        tenant = make_tenant(services)
        make_user(services, tenant, EMAIL, Role.OWNER)
        services.engine.dispose()

        with ExitStack() as servers:
            first = servers.enter_context(serve(tmp_path, url, "--no-access-log"))
            second = servers.enter_context(serve(tmp_path, url, "--no-access-log"))
            with (
                httpx.Client(base_url=first.base_url, timeout=60) as a,
                httpx.Client(base_url=second.base_url, timeout=60) as b,
            ):
                _logged_in(a)
                _logged_in(b)
                with ThreadPoolExecutor(2) as pool:
                    done = [
                        pool.submit(_create_groups, a, tenant, "From A"),
                        pool.submit(_create_groups, b, tenant, "From B"),
                    ]
                    statuses = [s for future in done for s in future.result()]
            assert statuses == [201] * (2 * PER_SERVER)
            store = SqlAuditStore.from_url(url)
            _wait_until_checkpointed(store, tenant)

        try:
            with store.engine.connect() as conn:
                places = (
                    conn.execute(
                        select(c.seq)
                        .where(c.tenant_id == tenant, c.seq.is_not(None))
                        .order_by(c.seq)
                    )
                    .scalars()
                    .all()
                )
            assert places == list(range(len(places)))
            assert len(places) >= 2 * PER_SERVER

            origin = lambda t: f"{ORIGIN}/tenants/{t}/audit-log"  # noqa: E731
            report = LogVerifier(store.engine, [signer.verifier], origin).verify(tenant)
            assert report.ok, report.findings
            assert report.size == len(places)

            sizes = sorted(cp.size for cp in store.checkpoints(tenant, None, 1000))
            assert sizes[-1] == len(places)
            for old, new in itertools.pairwise(sizes):
                proof = store.consistency_proof(tenant, old, new)
                old_root = store.checkpoint(tenant, old).root  # type: ignore[union-attr]
                new_root = store.checkpoint(tenant, new).root  # type: ignore[union-attr]
                assert verify_consistency(old, new, old_root, new_root, proof), (old, new)
        finally:
            store.close()


def _wait_until_checkpointed(store: SqlAuditStore, tenant: uuid.UUID) -> None:
    """Until every entry has its place and the latest checkpoint covers the whole tree."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with store.engine.connect() as conn:
            placed = conn.execute(
                select(func.count()).where(c.tenant_id == tenant, c.seq.is_not(None))
            ).scalar_one()
            waiting = conn.execute(
                select(func.count()).where(c.tenant_id == tenant, c.seq.is_(None))
            ).scalar_one()
        latest = store.checkpoint(tenant)
        if not waiting and latest is not None and latest.size == placed:
            return
        time.sleep(0.3)
    raise AssertionError("the log was not checkpointed in time")
