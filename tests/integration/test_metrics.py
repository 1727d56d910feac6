"""`GET /metrics` scraped from a real server and read with prometheus-client's own parser:
requests by route template, the audit writer's figures, durable waits, checkpoint ages and
task runs; only for the holder of the metrics token."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from callmanager.auth.principal import Role
from callmanager.auth.sessions import CSRF_HEADER
from callmanager.services import Services
from tests.conftest import make_settings
from tests.factories import PASSWORD, audit_store_down, make_tenant, make_user
from tests.live import Served, serve

pytestmark = pytest.mark.slow

TOKEN = "metrics-test-token"
GROUPS = "/api/v1/tenants/{tenant_id}/groups"


def scrape(server: Served) -> dict[str, list[Sample]]:
    """Every sample, by sample name (`…_total`, `…_count`, `…_bucket`)."""
    response = httpx.get(
        server.base_url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples_of(response.text)


def samples_of(text: str) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    return sum(
        s.value
        for s in samples.get(name, [])
        if all(s.labels.get(k) == v for k, v in labels.items())
    )


def eventually(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.2)


def owner_client(server: Served, email: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=30)
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers[CSRF_HEADER] = response.json()["csrf_token"]
    return client


def seeded(url: str, tmp_path: Path, email: str) -> uuid.UUID:
    services = Services.build(make_settings(url, tmp_path))
    tenant = make_tenant(services)
    make_user(services, tenant, email, Role.OWNER)
    services.engine.dispose()
    return tenant


def test_a_scrape_reports_requests_the_audit_writer_checkpoints_and_task_runs(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    email = "owner@contoso.example"
    tenant = seeded(sqlite_database_url, tmp_path, email)
    env = {
        "CALLMANAGER_METRICS_TOKEN": TOKEN,
        "CALLMANAGER_AUDIT_CHECKPOINT_INTERVAL_S": "0.2",
        "CALLMANAGER_SCHEDULER_ENABLED": "true",
        "CALLMANAGER_SCHEDULER_FIRST_RUN_S": "0",
    }
    with serve(tmp_path, sqlite_database_url, env=env) as server:
        refused = httpx.get(server.base_url + "/metrics", headers={"Authorization": "Bearer no"})
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"

        with closing(owner_client(server, email)) as owner:
            created = owner.post(f"/api/v1/tenants/{tenant}/groups", json={"name": "Scraped"})
            assert created.status_code == 201
            assert owner.get(f"/api/v1/tenants/{tenant}/groups").status_code == 200

        samples = scrape(server)
        # The log: one structured line per request (uvicorn's access log is off).
        logged = [json.loads(line) for line in server.stderr().splitlines() if line]
        assert not [line for line in logged if line["logger"] == "uvicorn.access"]
        [post_line] = [
            line
            for line in logged
            if line["logger"] == "callmanager.requests"
            and line["method"] == "POST"
            and line["route"] == GROUPS
        ]
        assert post_line["audit_entry_id"] == created.headers["Audit-Entry-Id"]
        assert (post_line["tenant"], post_line["actor_type"]) == (str(tenant), "user")

        post = {"route": GROUPS, "method": "POST", "status": "201"}
        assert value(samples, "callmanager_http_requests_total", **post) == 1
        assert value(samples, "callmanager_http_request_duration_seconds_count", **post) == 1
        get = {"route": GROUPS, "method": "GET", "status": "200"}
        assert value(samples, "callmanager_http_requests_total", **get) == 1
        assert value(samples, "callmanager_audit_entries_written_total", action="create") >= 1
        assert value(samples, "callmanager_audit_batch_size_count") >= 1
        assert value(samples, "callmanager_audit_commit_duration_seconds_count") >= 1
        # The group's pending entry and its outcome: two durable waits, none refused.
        assert value(samples, "callmanager_audit_durable_wait_duration_seconds_count") >= 2
        assert value(samples, "callmanager_audit_refused_total") == 0
        assert "callmanager_audit_queue_depth" in samples

        def checkpointed_and_ran() -> bool:
            now = scrape(server)
            # The tenant's log, checkpointed within the last ten seconds.
            tenants = value(now, "callmanager_audit_checkpoint_age_seconds_bucket", le="10.0")
            ran = value(
                now, "callmanager_task_runs_total", task="holiday-migration", outcome="succeeded"
            )
            return tenants >= 1 and ran == 1

        eventually(checkpointed_and_ran)
        final = scrape(server)
        assert value(final, "callmanager_audit_checkpoint_age_seconds_gcount") >= 1
        assert "callmanager_audit_checkpoint_behind_seconds" in final


def test_without_a_metrics_token_there_is_no_metrics_endpoint(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    with serve(tmp_path, sqlite_database_url) as server:
        response = httpx.get(server.base_url + "/metrics", timeout=30)
    assert response.status_code == 404


def test_a_scrape_reports_how_far_a_log_stream_is_behind_its_log(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    """A stream whose receiver is down falls behind: its lag, in seconds, is in the scrape."""
    email = "owner@contoso.example"
    tenant = seeded(sqlite_database_url, tmp_path, email)
    env = {
        "CALLMANAGER_METRICS_TOKEN": TOKEN,
        "CALLMANAGER_STREAMS_ALLOW_PRIVATE": "true",
        "CALLMANAGER_STREAM_POLL_S": "0.1",
    }
    with serve(tmp_path, sqlite_database_url, env=env) as server:
        with closing(owner_client(server, email)) as owner:
            stream = owner.post(
                f"/api/v1/tenants/{tenant}/audit-log/streams",
                json={
                    "name": "Nobody listens",
                    # Port 9 (discard) on loopback: nothing listens, every send is refused.
                    "destination": {"kind": "webhook", "url": "http://127.0.0.1:9/hook"},
                    "format": "native",
                    "start": {"from_seq": 0},
                },
            )
            assert stream.status_code == 201, stream.text
            stream_id = stream.json()["id"]

        def behind() -> bool:
            return (
                value(scrape(server), "callmanager_audit_stream_lag_seconds", stream=stream_id) > 0
            )

        eventually(behind)


def test_a_modification_refused_for_want_of_the_audit_store_is_counted_and_still_scraped(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    """The scrape that should page someone works while the audit store is down: the refused
    change is in `callmanager_audit_refused_total`, its request counted with its 503."""
    with audit_store_down(sqlite_database_url, tmp_path, Role.OWNER, metrics_token=TOKEN) as down:
        refused = down.client.post(
            f"/api/v1/tenants/{down.tenant_id}/groups", json={"name": "Unrecorded"}
        )
        assert refused.status_code == 503, refused.text
        scraped = down.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200, scraped.text
    samples = samples_of(scraped.text)
    assert value(samples, "callmanager_audit_refused_total") == 1
    assert value(samples, "callmanager_audit_durable_wait_duration_seconds_count") == 1
    post = {"route": GROUPS, "method": "POST", "status": "503"}
    assert value(samples, "callmanager_http_requests_total", **post) == 1
    assert "callmanager_audit_checkpoint_age_seconds_gcount" not in samples
