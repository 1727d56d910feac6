"""Organization > Audit Log > Streams in a real browser, delivering to a real local webhook
receiver: the secret shown once, a test event and the receiver's answer, health reaching "Up to
date", pause and resume, a failing receiver's error, and what a Reader may see."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from standardwebhooks import Webhook

from callmanager.auth.principal import Role
from tests.browser.conftest import DESKTOP, NARROW, Tenant, log_in, screenshot
from tests.webhook_receiver import Receiver, webhook_receiver

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as receiver:
        yield receiver


def verified_events(receiver: Receiver) -> list[dict[str, Any]]:
    """Every event the receiver accepted, each request's signature checked by `standardwebhooks`
    now: a new stream delivers at once, maybe before the test has read its secret off the page."""
    accepted = receiver.accepted()
    assert receiver.secret is not None
    for delivery in accepted:
        Webhook(receiver.secret).verify(delivery.body, delivery.headers)  # raises if not signed
    return [event for d in accepted for event in d.events]


def card(page: Page, name: str) -> Locator:
    return page.get_by_role("article", name=name)


def create_webhook_stream(page: Page, name: str, url: str) -> str:
    """Create a webhook stream in the dialog; returns the secret it shows once."""
    page.get_by_role("button", name="New stream").first.click()
    dialog = page.get_by_role("dialog", name="New stream")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Kind").select_option("webhook")
    dialog.get_by_label("URL").fill(url)
    dialog.get_by_role("button", name="Create stream").click()
    secret_field = dialog.get_by_label("Signing secret")
    expect(secret_field).to_have_value(re.compile(r"^whsec_"))
    expect(dialog).to_contain_text("you will not see it again")
    secret = secret_field.input_value()
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    return secret


def refresh_until(page: Page, condition: Locator, text: str | re.Pattern[str]) -> None:
    """Click Refresh until `condition` shows `text` (delivery runs in the server's background)."""
    deadline = time.monotonic() + 20
    while True:
        page.get_by_role("button", name="Refresh").click()
        expect(page.locator(".streams")).not_to_have_attribute("aria-busy", "true")
        try:
            expect(condition).to_have_text(text, timeout=1000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(1)


def api_as(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the API with the page's session, as the UI does (CSRF header included)."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "cm_csrf")
    response = page.request.fetch(
        f"/api/v1{path}",
        method=method,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
        data=json.dumps(body) if body is not None else None,
    )
    assert response.ok, response.text()
    return response.json() if response.status != 204 else None


def test_an_owner_creates_a_webhook_stream_sees_its_secret_once_tests_it_and_sees_it_deliver(
    page: Page, tenant: Tenant, receiver: Receiver, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log"))
    page.get_by_role("navigation", name="Audit Log").get_by_role("link", name="Streams").click()
    expect(page.get_by_role("heading", name="No streams yet")).to_be_visible()

    secret = create_webhook_stream(page, "SOC webhook", receiver.url)
    receiver.secret = secret
    stream = card(page, "SOC webhook")
    expect(stream).to_contain_text("Webhook")
    expect(stream).to_contain_text(receiver.url)
    assert secret not in page.content()

    stream.get_by_role("button", name="Send test event to SOC webhook").click()
    expect(stream.get_by_role("status")).to_contain_text("Test event delivered")
    expect(stream.get_by_role("status")).to_contain_text("The receiver answered: 200")
    assert any(event.get("test") for event in verified_events(receiver))

    # The page's own calls are audited entries; the stream carries them to the receiver.
    refresh_until(page, stream.locator("[data-lag]"), "Up to date")
    expect(stream.locator(".stream-status")).to_have_text(re.compile("Active"))
    expect(stream).not_to_contain_text("Never")
    delivered = [e for e in verified_events(receiver) if not e.get("test")]
    seqs = [e["seq"] for e in delivered]
    assert seqs
    assert seqs == sorted(seqs)
    assert {e["tenant_id"] for e in delivered} == {str(tenant.id)}

    screenshot(page, "audit-log-streams-desktop")
    page.set_viewport_size(NARROW)
    screenshot(page, "audit-log-streams-narrow")
    page.set_viewport_size(DESKTOP)

    page.reload()
    assert secret not in page.content()
    assert page_errors == []


def test_an_owner_pauses_and_resumes_a_stream(
    page: Page, tenant: Tenant, receiver: Receiver
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log/streams"))
    create_webhook_stream(page, "Pausable", receiver.url)
    stream = card(page, "Pausable")

    stream.get_by_role("button", name="Pause Pausable").click()
    expect(stream.locator(".stream-status")).to_have_text(re.compile("Paused"))
    expect(page.locator("#toast")).to_have_text("Pausable paused.")
    page.reload()
    expect(card(page, "Pausable").locator(".stream-status")).to_have_text(re.compile("Paused"))

    card(page, "Pausable").get_by_role("button", name="Resume Pausable").click()
    expect(card(page, "Pausable").locator(".stream-status")).not_to_have_text(re.compile("Paused"))
    expect(card(page, "Pausable").get_by_role("button", name="Pause Pausable")).to_be_visible()


def test_a_failing_receiver_shows_its_status_and_answer_in_the_health(
    page: Page, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.answers = [503] * 1000
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log/streams"))
    create_webhook_stream(page, "Flaky SIEM", receiver.url)
    stream = card(page, "Flaky SIEM")

    stream.get_by_role("button", name="Send test event to Flaky SIEM").click()
    expect(stream.get_by_role("status")).to_contain_text("Test event not delivered")
    expect(stream.get_by_role("status")).to_contain_text("503")

    refresh_until(page, stream.locator(".stream-status"), re.compile("Retrying|Failing"))
    error = stream.locator("[data-last-error]")
    expect(error).to_contain_text("Status 503")
    expect(error).to_contain_text("refused by the test")
    screenshot(page, "audit-log-streams-failing")


def test_a_receiver_that_refuses_makes_the_stream_failing_until_an_owner_resumes_it(
    page: Page, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.answers = [400] * 1000
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log/streams"))
    create_webhook_stream(page, "Strict SIEM", receiver.url)
    stream = card(page, "Strict SIEM")

    refresh_until(page, stream.locator(".stream-status"), re.compile("Failing"))
    expect(stream).to_contain_text("Delivery stopped")
    expect(stream.locator("[data-last-error]")).to_contain_text("Status 400")
    receiver.answers = []
    stream.get_by_role("button", name="Resume Strict SIEM").click()
    refresh_until(page, stream.locator("[data-lag]"), "Up to date")
    expect(stream.locator(".stream-status")).to_have_text(re.compile("Active"))


def test_an_owner_rotates_a_webhook_secret_and_sees_the_new_one_once(
    page: Page, tenant: Tenant, receiver: Receiver
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log/streams"))
    old = create_webhook_stream(page, "Rotating", receiver.url)

    card(page, "Rotating").get_by_role("button", name="Rotate secret of Rotating").click()
    page.get_by_role("button", name="Rotate secret", exact=True).click()
    dialog = page.get_by_role("dialog", name="New signing secret")
    expect(dialog).to_contain_text("you will not see it again")
    new = dialog.get_by_label("Signing secret").input_value()
    assert new.startswith("whsec_")
    assert new != old
    dialog.get_by_role("button", name="Done").click()
    assert new not in page.content()

    receiver.secret = new
    card(page, "Rotating").get_by_role("button", name="Send test event to Rotating").click()
    expect(card(page, "Rotating").get_by_role("status")).to_contain_text("Test event delivered")
    assert receiver.deliveries[-1].verified


def test_an_owner_edits_a_stream_and_deletes_it_after_confirming(
    page: Page, tenant: Tenant, receiver: Receiver
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log/streams"))
    create_webhook_stream(page, "Draft", receiver.url)

    card(page, "Draft").get_by_role("button", name="Edit Draft").click()
    dialog = page.get_by_role("dialog", name="Edit stream Draft")
    expect(dialog.get_by_label("Kind")).to_be_disabled()
    dialog.get_by_label("Name").fill("SOC changes")
    dialog.get_by_label("Format").select_option("ocsf")
    dialog.get_by_label("Entries to send").select_option("modifications")
    dialog.get_by_role("button", name="Save changes").click()
    edited = card(page, "SOC changes")
    expect(edited).to_contain_text("OCSF · Modifications (create, edit, delete)")
    expect(edited).to_contain_text(receiver.url)

    edited.get_by_role("button", name="Delete SOC changes").click()
    page.get_by_role("button", name="Delete stream").click()
    expect(page.get_by_role("heading", name="No streams yet")).to_be_visible()


def test_a_destination_the_server_refuses_is_explained_in_the_dialog(
    page: Page, tenant: Tenant
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log/streams"))
    page.get_by_role("button", name="New stream").first.click()
    dialog = page.get_by_role("dialog", name="New stream")
    dialog.get_by_label("Name").fill("Wrong scheme")
    dialog.get_by_label("URL").fill("ftp://siem.example.com/hooks")
    dialog.get_by_role("button", name="Create stream").click()
    expect(dialog.get_by_role("alert")).to_contain_text("the URL must use")
    expect(dialog.get_by_label("Name")).to_have_value("Wrong scheme")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="No streams yet")).to_be_visible()


def test_a_reader_sees_streams_and_their_health_but_no_secret_and_no_controls(
    page: Page, tenant: Tenant, receiver: Receiver, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    created = api_as(
        page,
        "POST",
        f"/tenants/{tenant.id}/audit-log/streams",
        {"name": "SOC feed", "destination": {"kind": "webhook", "url": receiver.url}},
    )
    page.context.clear_cookies()

    log_in(page, tenant.user(Role.READER))
    page.goto(tenant.page_url("audit-log/streams"))
    stream = card(page, "SOC feed")
    expect(stream).to_contain_text(receiver.url)
    expect(stream.locator(".stream-status")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("only Owners")
    for control in ("New stream", "Edit", "Pause", "Resume", "Delete", "Send test event"):
        expect(page.get_by_role("button", name=re.compile(f"^{control}"))).to_have_count(0)
    assert created["secret"] not in page.content()
    assert "whsec_" not in page.content()
    page.set_viewport_size(NARROW)
    screenshot(page, "audit-log-streams-reader-narrow")
    assert page_errors == []
