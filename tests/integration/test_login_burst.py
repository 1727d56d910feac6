"""A burst of simultaneous wrong passwords for one account, against the real server on both
databases: each attempt is counted before its password is checked, so the burst checks no more
passwords than the allowance, loses no count and never answers 5xx."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from callmanager.auth.models import LoginAttempts
from callmanager.auth.principal import Role
from callmanager.auth.throttle import ACCOUNT
from callmanager.services import Services
from tests.conftest import make_settings
from tests.factories import make_tenant, make_user
from tests.live import serve

pytestmark = pytest.mark.slow

EMAIL = "victim@contoso.example"
BURST = 40


def _burst(base_url: str) -> list[httpx.Response]:
    """`BURST` wrong passwords for `EMAIL`, all released at once from as many threads."""
    start = threading.Barrier(BURST)
    limits = httpx.Limits(max_connections=BURST)
    with httpx.Client(base_url=base_url, timeout=60, limits=limits) as client:

        def guess(n: int) -> httpx.Response:
            start.wait()
            body = {"email": EMAIL, "password": f"guess-{n}-xxxxxx"}
            return client.post("/api/v1/auth/login", json=body)

        with ThreadPoolExecutor(BURST) as pool:
            return list(pool.map(guess, range(BURST)))


def test_a_burst_of_wrong_passwords_checks_only_the_allowance_and_never_fails(
    database_url: str, tmp_path: Path
) -> None:
    services = Services.build(make_settings(database_url, tmp_path))
    make_user(services, make_tenant(services), EMAIL, Role.OWNER)
    services.engine.dispose()

    with serve(tmp_path, database_url, "--no-access-log", log_level="warning") as server:
        responses = _burst(server.base_url)

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {401, 429}, statuses
    # The first `free` are checked at once; a slow machine may reach the next, 2 s and 4 s later.
    assert 1 <= statuses[401] <= ACCOUNT.free + 2, statuses
    for refused in (r for r in responses if r.status_code == 429):
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) >= 1
    engine = create_engine(database_url)
    with engine.connect() as conn:
        counted = conn.scalar(
            select(LoginAttempts.attempts).where(
                LoginAttempts.scope == ACCOUNT.scope, LoginAttempts.subject == EMAIL
            )
        )
    engine.dispose()
    assert counted == statuses[401]
