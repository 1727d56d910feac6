"""Several workers and instances on one database: `serve --workers 2` on SQLite and two `serve`
processes on PostgreSQL each run the daily System task once in all, build one consistent
Merkle tree, and (multiprocess metrics) report every worker's figures in one scrape."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from pathlib import Path

import pytest
from sqlalchemy import func, select

from asgi_audit import SqlAuditStore
from asgi_audit.store.tables import c
from asgi_audit.store.verify import LogVerifier
from asgi_audit.tlog.note import Signer
from callmanager.db import make_engine
from callmanager.tasks.models import TaskLease
from tests.databases import migrated_database
from tests.integration.test_metrics import (
    TOKEN,
    eventually,
    owner_client,
    scrape,
    seeded,
    value,
)
from tests.live import Served, serve

pytestmark = pytest.mark.slow

EMAIL = "owner@contoso.example"
ORIGIN = "workers.test.example"
TASK = "holiday-migration"


def _env(signer: Signer) -> dict[str, str]:
    return {
        "CALLMANAGER_METRICS_TOKEN": TOKEN,
        "CALLMANAGER_SCHEDULER_ENABLED": "true",
        "CALLMANAGER_SCHEDULER_FIRST_RUN_S": "0.5",
        "CALLMANAGER_AUDIT_SIGNING_KEY": signer.key,
        "CALLMANAGER_AUDIT_ORIGIN": ORIGIN,
        "CALLMANAGER_AUDIT_CHECKPOINT_INTERVAL_S": "0.3",
    }


def _task_runs(servers: list[Served], outcome: str) -> float:
    return sum(
        value(scrape(s), "callmanager_task_runs_total", task=TASK, outcome=outcome) for s in servers
    )


def _create_groups(servers: list[Served], tenant: uuid.UUID, count: int) -> list[int]:
    clients = [owner_client(s, EMAIL) for s in servers]
    with ExitStack() as stack:
        for client in clients:
            stack.enter_context(closing(client))

        def create(n: int) -> int:
            client = clients[n % len(clients)]
            body = {"name": f"Group {n}", "description": "", "members": []}
            return client.post(f"/api/v1/tenants/{tenant}/groups", json=body).status_code

        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(create, range(count)))


def _check_one_run_and_one_tree(url: str, tenant: uuid.UUID, signer: Signer) -> None:
    store = SqlAuditStore.from_url(url)
    try:

        def settled() -> bool:
            with store.engine.connect() as conn:
                waiting = conn.execute(
                    select(func.count()).where(c.tenant_id == tenant, c.seq.is_(None))
                ).scalar_one()
            latest = store.checkpoint(tenant)
            return not waiting and latest is not None

        eventually(settled)
        with store.engine.connect() as conn:
            system_calls = conn.execute(
                select(func.count()).where(
                    c.tenant_id == tenant, c.actor_type == "system", c.actor_id == TASK
                )
            ).scalar_one()
        # One run lists the tenant's call flows once (it has none to migrate); the other daily
        # task (audit retention) has its own lease and its own entry.
        assert system_calls == 1
        origin = lambda t: f"{ORIGIN}/tenants/{t}/audit-log"  # noqa: E731
        report = LogVerifier(store.engine, [signer.verifier], origin).verify(tenant)
        assert report.ok, report.findings
    finally:
        store.close()


def test_two_workers_on_sqlite_run_the_daily_task_once_and_share_one_tree(
    tmp_path: Path,
) -> None:
    signer = Signer.generate(ORIGIN)
    with migrated_database("sqlite", tmp_path) as url:
        tenant = seeded(url, tmp_path, EMAIL)
        with serve(tmp_path, url, "--workers", "2", env=_env(signer)) as server:
            eventually(
                lambda: _task_runs([server], "succeeded") + _task_runs([server], "skipped") == 2,
                seconds=60,  # the second worker may still be importing the app
            )
            assert _task_runs([server], "succeeded") == 1
            assert _create_groups([server], tenant, 20) == [201] * 20
            requests = value(
                scrape(server),
                "callmanager_http_requests_total",
                route="/api/v1/tenants/{tenant_id}/groups",
                method="POST",
            )
            assert requests == 20  # whichever worker answered each, one scrape sums them
        _check_one_run_and_one_tree(url, tenant, signer)
        assert _leases(url) == 1


@pytest.mark.postgres
def test_two_instances_on_postgresql_run_the_daily_task_once_and_share_one_tree(
    tmp_path: Path,
) -> None:
    signer = Signer.generate(ORIGIN)
    with migrated_database("postgres", tmp_path) as url:
        tenant = seeded(url, tmp_path, EMAIL)
        with ExitStack() as stack:
            servers = [stack.enter_context(serve(tmp_path, url, env=_env(signer))) for _ in "ab"]
            eventually(
                lambda: _task_runs(servers, "succeeded") + _task_runs(servers, "skipped") == 2
            )
            assert _task_runs(servers, "succeeded") == 1
            assert _create_groups(servers, tenant, 20) == [201] * 20
        _check_one_run_and_one_tree(url, tenant, signer)
        assert _leases(url) == 1


def _leases(url: str) -> int:
    """The holiday task's rows in the lease table, read after the servers stopped."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(TaskLease.__table__)
            return conn.execute(query.where(TaskLease.__table__.c.task == TASK)).scalar_one()
    finally:
        engine.dispose()
