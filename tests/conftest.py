"""Fixtures shared by every test: databases on both engines, the app, and logged-in clients."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callmanager.app import create_app
from callmanager.auth.principal import Role
from callmanager.services import Services
from callmanager.settings import Settings
from tests import clock
from tests.browser_dir import mark_browser_tests
from tests.databases import migrated_database
from tests.factories import LoggedIn, log_in, make_tenant, make_user
from tests.go_judge import GoJudge, judge_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database, once on SQLite and once on PostgreSQL."""
    with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> Iterator[str]:
    """A freshly migrated SQLite database, for tests that need only one engine."""
    with migrated_database("sqlite", tmp_path) as url:
        yield url


def make_settings(database_url: str, var_dir: Path, **overrides: object) -> Settings:
    # Log streams are delivered by the test's own process unless a test asks for a child.
    return Settings(
        database_url=database_url,
        var_dir=var_dir,
        secret_key="test-secret-key",
        scheduler_enabled=False,
        **{"stream_delivery": "inline", **overrides},  # type: ignore[arg-type]
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings of an app on a fresh database: every API test runs on SQLite and PostgreSQL."""
    return make_settings(database_url, tmp_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def services(app: FastAPI) -> Services:
    services: Services = app.state.services
    return services


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous client; the app's lifespan runs around it."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def tenant_id(services: Services) -> uuid.UUID:
    return make_tenant(services, "Contoso")


LoginAs = Callable[[Role], LoggedIn]


@pytest.fixture
def login_as(app: FastAPI, client: TestClient, services: Services, tenant_id: uuid.UUID) -> LoginAs:
    """Make a user of the tenant with a role and return a client logged in as them.

    The clients share the app's one lifespan, which the `client` fixture runs.
    """

    def login(role: Role, email: str | None = None) -> LoggedIn:
        email = email or f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:6]}@contoso.example"
        user_id = make_user(services, tenant_id, email, role)
        user_client = TestClient(app)
        log_in(user_client, email)
        return LoggedIn(client=user_client, tenant_id=tenant_id, user_id=user_id, email=email)

    return login


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        clock.OPTION,
        metavar="INSTANT",
        type=clock.parse_instant,
        help="run as if it were INSTANT (ISO 8601 with an offset); the clock ticks on from there, "
        "in the tests, the servers they start and their browser pages",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Travel before collection, so that module-level clocks read the fake instant too."""
    instant = config.getoption(clock.OPTION)
    if instant is not None:
        clock.travel_to(instant)


def pytest_report_header(config: pytest.Config) -> str | None:
    instant = config.getoption(clock.OPTION)
    return f"fake clock: started at {instant.isoformat()}" if instant is not None else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser is a browser test (`make test` runs those apart), and no
    test elsewhere is. The `slow` ones run first: drawn last, one of them kept the run going
    on one core for its last minute while the other worker had finished."""
    mark_browser_tests(items)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: order kept


@pytest.fixture(scope="session")
def go_judge(tmp_path_factory: pytest.TempPathFactory) -> GoJudge:
    """The outside judge of the audit log's formats (`tests/go_judge.py`), built once."""
    return judge_or_skip(tmp_path_factory.mktemp("go-judge"))
