"""With the audit store unreachable, every route that needs it answers 503 problem+json with
`Retry-After` — never a 500, a text/plain error, or a connection dropped without a response."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.settings import Settings
from tests.conftest import make_settings
from tests.databases import migrated_database
from tests.factories import LoggedIn, log_in, make_tenant, make_user

UNREACHABLE = {
    "sqlite": "sqlite:///{tmp}/missing/dir/audit.db",
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:1/refusing",
}
"""An audit store that cannot be opened: a SQLite file in a directory that does not exist, and
a PostgreSQL server that refuses connections."""


@pytest.fixture(scope="module", params=sorted(UNREACHABLE))
def reader(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoggedIn]:
    tmp_path = tmp_path_factory.mktemp("store-down")
    audit_url = UNREACHABLE[request.param].format(tmp=tmp_path)
    with migrated_database("sqlite", tmp_path) as database_url:
        yield from _logged_in_reader(
            make_settings(database_url, tmp_path, audit_database_url=audit_url)
        )


def _logged_in_reader(settings: Settings) -> Iterator[LoggedIn]:
    app = create_app(settings)
    services: Services = app.state.services
    tenant = make_tenant(services)
    user_id = make_user(services, tenant, "r@contoso.example", Role.READER)
    with TestClient(app, raise_server_exceptions=False) as client:
        log_in(client, "r@contoso.example")
        yield LoggedIn(client=client, tenant_id=tenant, user_id=user_id, email="r@contoso.example")
        assert services.audit_writer is not None
        services.audit_writer.shutdown_timeout = 0.1  # its queued reads can never be written


@pytest.mark.parametrize(
    "path",
    [
        "/audit-log",
        "/audit-log?action_type=all&q=group",
        "/audit-log/export?format=jsonl",
        "/audit-log/export?format=csv",
        "/audit-log/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "/audit-log/export?format=jsonl&seq_start=0",
        "/audit-log/checkpoint",
        "/audit-log/checkpoints",
        "/audit-log/consistency?from=1&to=2",
        "/audit-log/leaves?start=0&end=10",
        "/audit-log/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/proof",
        "/../../audit-log/keys",
    ],
)
def test_reading_the_log_while_its_store_is_down_is_a_503_problem_with_retry_after(
    reader: LoggedIn, path: str
) -> None:
    response = reader.client.get(reader.url(path))
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == 503
    assert body["type"].endswith("/unavailable")
