"""Browser-test fixtures: the real service in a subprocess, and headless Chromium driving it.

One server per test session (per xdist worker) on a temporary SQLite file; every test gets a
fresh tenant and users of its own, so tests never see each other's data or audit entries.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from sqlalchemy import select

from asgi_audit.tlog.note import Signer
from callmanager.auth.principal import Role
from callmanager.domain.portal_users.models import Membership, User
from callmanager.migrate import upgrade
from callmanager.services import Services
from tests import clock
from tests.conftest import make_settings
from tests.factories import PASSWORD, make_tenant, make_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 860}
NARROW = {"width": 390, "height": 844}
AUDIT_ORIGIN = "callmanager.test"
WAIT_MS = 10_000
"""How long an action or an expectation waits: CI runs two browsers on two loaded cores."""

expect.set_options(timeout=WAIT_MS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """The running service: its base URL and a handle on its database for test setup."""

    base_url: str
    services: Services
    log_path: Path
    env: dict[str, str]

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str) -> str:
        """Run `callmanager ARGS` against this server's database; returns its output."""
        done = subprocess.run(
            clock.python_command("callmanager.cli", *args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(base_url + "/login", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not start within 30 s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`uvicorn callmanager.app:create_app` on a free port with a fresh, migrated SQLite file."""
    var_dir = tmp_path_factory.mktemp("browser-server")
    database_url = f"sqlite:///{var_dir / 'callmanager.db'}"
    upgrade(database_url)
    signing_key = Signer.generate(AUDIT_ORIGIN).key
    # The test process signs too (`sign_log`), with the server's key and origin; the server
    # itself checkpoints a tenant once and then not for an hour, so an entry stays pending
    # until a test signs.
    settings = make_settings(
        database_url,
        var_dir,
        audit_signing_key=signing_key,
        audit_origin=AUDIT_ORIGIN,
        audit_checkpoint_interval_s=0.001,
    )
    port = _free_port()
    env = {
        **os.environ,
        "CALLMANAGER_DATABASE_URL": database_url,
        "CALLMANAGER_VAR_DIR": str(var_dir),
        "CALLMANAGER_SECRET_KEY": settings.secret_key,
        "CALLMANAGER_SCHEDULER_ENABLED": "false",
        "CALLMANAGER_AUDIT_SIGNING_KEY": signing_key,
        "CALLMANAGER_AUDIT_ORIGIN": AUDIT_ORIGIN,
        "CALLMANAGER_AUDIT_CHECKPOINT_INTERVAL_S": "3600",
        # Log streams deliver to receivers the tests start on loopback, over plain http.
        "CALLMANAGER_STREAMS_ALLOW_PRIVATE": "true",
    }
    log_path = var_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            clock.python_command(
                "uvicorn",
                "callmanager.app:create_app",
                "--factory",
                "--host=127.0.0.1",
                f"--port={port}",
                "--log-level=warning",
                "--no-access-log",
            ),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    services = Services.build(settings)
    try:
        _wait_until_up(base_url, process, log_path)
        yield LiveServer(base_url=base_url, services=services, log_path=log_path, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        services.engine.dispose()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        reason = f"browser tests need Chromium at {CHROMIUM} (Debian package `chromium`)"
        if os.environ.get("CALLMANAGER_REQUIRE_BROWSER"):
            pytest.fail(reason + "; CALLMANAGER_REQUIRE_BROWSER is set")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Tenant:
    """A fresh tenant on the live server, with a helper to add users of any role."""

    id: uuid.UUID
    server: LiveServer

    def user(self, role: Role, email: str | None = None) -> str:
        email = email or f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:6]}@contoso.example"
        make_user(self.server.services, self.id, email, role)
        return email

    def add_member(self, email: str, role: Role) -> None:
        """Give an existing account (e.g. of another tenant) a role in this tenant."""
        with self.server.services.unit_of_work() as uow:
            user_id = uow.session.scalar(select(User.id).where(User.email == email))
            uow.session.add(Membership(tenant_id=self.id, user_id=user_id, role=role))
            uow.commit()

    def page_url(self, slug: str, query: str = "") -> str:
        return self.server.url(f"/tenants/{self.id}/{slug}{query}")

    def sign_log(self, covering: int = 1, timeout_s: float = 10) -> int:
        """Checkpoint the tenant's log (as the server's notary does) once it holds at least
        `covering` entries; returns the signed tree size."""
        store = self.server.services.audit_store
        deadline = time.monotonic() + timeout_s
        while True:
            self.server.services.notary.checkpoint()
            latest = store.checkpoint(self.id)
            if latest is not None and latest.size >= covering:
                return latest.size
            assert time.monotonic() < deadline, f"the log never held {covering} entries"
            time.sleep(0.1)


def new_tenant(server: LiveServer, name: str, time_zone: str = "Europe/London") -> Tenant:
    return Tenant(id=make_tenant(server.services, name, time_zone), server=server)


@pytest.fixture
def tenant(live_server: LiveServer) -> Tenant:
    """A fresh tenant of this test alone (so its audit log holds only this test's calls)."""
    return new_tenant(live_server, f"Contoso {uuid.uuid4().hex[:4]}")


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.base_url,
        viewport=DESKTOP,
        locale="en-GB",
        timezone_id="UTC",
        reduced_motion="reduce",
    )
    context.set_default_timeout(WAIT_MS)
    clock.install_in_browser(context)
    yield context
    context.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught script errors of the test's pages; a test ends by asserting there were none."""
    return []


@pytest.fixture
def page(context: BrowserContext, page_errors: list[str]) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    return page


LogIn = Callable[[Page, str], None]


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login page and wait for the app shell."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/tenants/**")


def invite_in_ui(page: Page, email: str, name: str, role: str) -> str:
    """Invite someone through the Portal Users dialog; returns the one-time link it shows."""
    page.get_by_role("button", name="Invite user").click()
    dialog = page.get_by_role("dialog", name="Invite a portal user")
    dialog.get_by_label("Email").fill(email)
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Role").select_option(label=role)
    dialog.get_by_role("button", name="Create invitation").click()
    link = dialog.get_by_label("Invitation link")
    expect(link).to_have_value(re.compile(r"/accept-invitation\?tenant=.+&token=.+"))
    value = link.input_value()
    expect(dialog).to_contain_text("shown only once")
    dialog.get_by_role("button", name="Done").click()
    return value


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG in test-artifacts/ (scrolled to the top, so sticky bars sit right)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path
