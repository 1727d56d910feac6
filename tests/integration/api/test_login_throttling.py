"""Failed logins are throttled per account and per client address, say when to retry, and cost
the same Argon2 work whether the email has an account or not."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from fastapi.testclient import TestClient
from httpx import Response

from callmanager.auth.credentials import hash_password
from callmanager.auth.models import LoginAttempts
from callmanager.auth.principal import Role
from callmanager.auth.throttle import ACCOUNT, ADDRESS, Allowance
from callmanager.db import utcnow
from callmanager.services import Services
from tests.conftest import LoginAs
from tests.factories import PASSWORD, make_user

ADDRESS_OF_TESTCLIENT = "testclient"
"""The client address Starlette's test client reports."""


def _login(client: TestClient, email: str, password: str = "wrong") -> Response:  # noqa: S107
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _spray(client: TestClient, count: int) -> list[int]:
    """One wrong password each for `count` different (unknown) emails."""
    return [_login(client, f"nobody-{n}@contoso.example").status_code for n in range(count)]


def _counted(services: Services, allowance: Allowance, subject: str, attempts: int) -> None:
    """Start a subject at `attempts` counted just now (quicker than making them one by one)."""
    with services.unit_of_work() as uow:
        uow.session.merge(
            LoginAttempts(
                scope=allowance.scope, subject=subject, attempts=attempts, last_attempt_at=utcnow()
            )
        )
        uow.commit()


def _age(services: Services, allowance: Allowance, subject: str, by: timedelta) -> None:
    """Move a subject's latest attempt into the past, as if `by` had passed."""
    with services.unit_of_work() as uow:
        row = uow.session.get(LoginAttempts, (allowance.scope, subject))
        assert row is not None
        row.last_attempt_at -= by
        uow.commit()


def _attempts(services: Services, allowance: Allowance, subject: str) -> int | None:
    with services.unit_of_work() as uow:
        row = uow.session.get(LoginAttempts, (allowance.scope, subject))
        return row.attempts if row else None


def test_a_refused_login_says_when_to_retry_in_a_retry_after_header(
    client: TestClient, services: Services
) -> None:
    email = "someone@contoso.example"
    _counted(services, ACCOUNT, email, ACCOUNT.free + 3)
    refused = _login(client, email)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    wait = ACCOUNT.wait_after(ACCOUNT.free + 3).total_seconds()
    assert 1 <= int(refused.headers["retry-after"]) == refused.json()["retry_after"] <= wait
    assert "this account" in refused.json()["detail"]


def test_an_account_may_try_again_once_its_wait_is_over(
    login_as: LoginAs, client: TestClient, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    _counted(services, ACCOUNT, owner.email, ACCOUNT.free + 3)
    assert _login(client, owner.email, PASSWORD).status_code == 429
    _age(services, ACCOUNT, owner.email, ACCOUNT.wait_after(ACCOUNT.free + 3))
    assert _login(client, owner.email, PASSWORD).status_code == 200
    assert _attempts(services, ACCOUNT, owner.email) is None  # a success starts afresh


def test_password_spraying_from_one_address_is_slowed_down_across_accounts(
    client: TestClient, services: Services
) -> None:
    _counted(services, ADDRESS, ADDRESS_OF_TESTCLIENT, ADDRESS.free - 3)
    assert _spray(client, 3) == [401] * 3
    refused = _login(client, "one-more@contoso.example")
    assert refused.status_code == 429
    assert "this address" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) >= 1


def test_successful_logins_do_not_use_up_the_address_allowance(
    login_as: LoginAs, client: TestClient, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    _counted(services, ADDRESS, ADDRESS_OF_TESTCLIENT, ADDRESS.free - 1)
    for _ in range(3):
        assert _login(client, owner.email, PASSWORD).status_code == 200
    assert _login(client, "last-free@contoso.example").status_code == 401
    assert _login(client, "one-too-many@contoso.example").status_code == 429


def test_attempts_refused_for_a_waiting_account_do_not_count_against_the_address(
    client: TestClient, services: Services
) -> None:
    _counted(services, ACCOUNT, "locked@contoso.example", ACCOUNT.free + 10)
    statuses = {_login(client, "locked@contoso.example").status_code for _ in range(40)}
    assert statuses == {429}
    assert _attempts(services, ACCOUNT, "locked@contoso.example") == ACCOUNT.free + 10
    assert not _attempts(services, ADDRESS, ADDRESS_OF_TESTCLIENT)
    assert _login(client, "someone-else@contoso.example").status_code == 401


def test_an_address_quiet_for_an_hour_starts_afresh(client: TestClient, services: Services) -> None:
    assert ADDRESS.forget_after is not None
    _counted(services, ADDRESS, ADDRESS_OF_TESTCLIENT, ADDRESS.free + 10)
    assert _login(client, "waiting@contoso.example").status_code == 429
    _age(services, ADDRESS, ADDRESS_OF_TESTCLIENT, ADDRESS.forget_after)
    assert _login(client, "fresh@contoso.example").status_code == 401
    assert _attempts(services, ADDRESS, ADDRESS_OF_TESTCLIENT) == 1


def test_an_unknown_email_costs_the_same_argon2_work_as_a_wrong_password(
    client: TestClient,
    services: Services,
    tenant_id: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both verify a real Argon2id hash made with the parameters every password is hashed with."""
    email = "owner@contoso.example"
    make_user(services, tenant_id, email, Role.OWNER, password_hash=hash_password(PASSWORD))
    verified: list[str] = []
    original = PasswordHasher.verify

    def spy(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        verified.append(hash if isinstance(hash, str) else hash.decode())
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    assert _login(client, email).status_code == 401
    assert _login(client, "no-such-account@contoso.example").status_code == 401
    assert len(verified) == 2
    current = extract_parameters(hash_password("any password"))
    assert [extract_parameters(h) for h in verified] == [current, current]
