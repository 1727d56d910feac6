"""The served OpenAPI document is a contract the running server keeps: schemathesis, with every
check on, finds no failure against a real server on SQLite, for an anonymous caller and for an
Owner holding an API token.

Bounded and repeatable: deterministic generation (the same cases every run, no example
database), a few examples per operation. The Owner's run leaves out what could take its own
rights away. `hooks.py` holds the rules of a valid request JSON Schema cannot state."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.server import Server
from callmanager.auth.principal import Role
from callmanager.auth.tokens import create_token
from callmanager.services import Services
from tests.conftest import make_settings
from tests.databases import migrated_database
from tests.factories import make_tenant, make_user
from tests.integration.contract import hooks

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
MAX_EXAMPLES = 5
PUBLIC = (
    "/api/v1/auth/login",
    "/api/v1/partner-access",
    "/api/v1/tenants/{tenant_id}/invitations/accept",
)
"""The routes that need no login: the anonymous run tests these in full, the rest briefly (each
answers 401 before it reads the request, which the Owner's run tests in full)."""
OWNER_RUN_LEAVES_OUT = (
    "/api/v1/auth/tokens/{token_id}",  # DELETE would revoke the run's own token
    # With invitations it makes, the run could add an Owner and then demote or remove its own
    # (the last Owner can be neither). The anonymous run covers accepting.
    "/api/v1/tenants/{tenant_id}/invitations/accept",
)


@dataclass(frozen=True)
class Target:
    """The running server, the tenant the runs act on, its Owner and the Owner's API token."""

    server: Server
    tenant_id: uuid.UUID
    owner_id: uuid.UUID
    token: str
    workdir: Path
    """Where schemathesis runs and keeps its cache, out of the source tree."""


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    tmp_path = tmp_path_factory.mktemp("contract")
    with migrated_database("sqlite", tmp_path) as database_url:
        services = Services.build(make_settings(database_url, tmp_path))
        tenant_id = make_tenant(services, "Contoso")
        owner = make_user(services, tenant_id, "owner@contoso.example", Role.OWNER)
        with services.unit_of_work() as uow:
            token = create_token(uow.session, owner, "contract", None).token
            uow.commit()
        services.engine.dispose()
        with Server(database_url, streams_allow_private="true") as server:
            yield Target(server, tenant_id, owner, token, tmp_path)


def schemathesis(
    target: Target, *args: str, max_examples: int = MAX_EXAMPLES
) -> subprocess.CompletedProcess[str]:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{target.server.base_url}/openapi.json",
        "--checks=all",
        f"--max-examples={max_examples}",
        "--generation-deterministic",  # the same cases every run (a seed is then not used)
        "--workers=1",
        "--no-color",
        *args,
    ]
    env = {
        **os.environ,
        "CONTRACT_TENANT_ID": str(target.tenant_id),
        hooks.OWNER_ID_VAR: str(target.owner_id),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        command,
        cwd=target.workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_an_anonymous_caller_finds_the_api_as_documented(target: Target) -> None:
    public = schemathesis(target, *(f"--include-path={path}" for path in PUBLIC))
    assert public.returncode == 0, public.stdout[-20_000:] + public.stderr[-5_000:]
    private = schemathesis(
        target,
        *(f"--exclude-path={path}" for path in PUBLIC),
        "--phases=fuzzing",
        max_examples=2,
    )
    assert private.returncode == 0, private.stdout[-20_000:] + private.stderr[-5_000:]


def test_an_owner_with_an_api_token_finds_the_api_as_documented(target: Target) -> None:
    run = schemathesis(
        target,
        f"--header=Authorization: Bearer {target.token}",
        *(f"--exclude-path={path}" for path in OWNER_RUN_LEAVES_OUT),
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
