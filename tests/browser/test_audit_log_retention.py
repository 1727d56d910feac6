"""The Audit Log and Admin Setup say how long the log keeps entries and where its history
begins, to every role; an Owner changes the period in either (refused outside 30 to 3,650
days), a Reader or Tenant Setup cannot."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from callmanager.auth.principal import Role
from callmanager.db import utcnow
from tests.browser.conftest import Tenant, log_in

pytestmark = pytest.mark.browser


def begins(days: int, tenant_zone: str = "Europe/London") -> str:
    return (utcnow().astimezone(ZoneInfo(tenant_zone)).date() - timedelta(days=days)).isoformat()


def test_an_owner_sees_where_history_begins_and_changes_the_period(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log"))
    line = page.locator("[data-retention-line]")
    expect(line).to_have_text(f"Kept for 400 days: history begins {begins(400)}.")

    page.get_by_role("button", name="Change how long the audit log is kept").click()
    days = page.get_by_label("Keep the audit log for")
    days.fill("20")
    page.get_by_role("button", name="Save").click()
    assert days.evaluate("input => input.validity.rangeUnderflow")
    page.get_by_role("button", name="Cancel").click()
    expect(line).to_have_text(f"Kept for 400 days: history begins {begins(400)}.")

    page.get_by_role("button", name="Change how long the audit log is kept").click()
    page.get_by_label("Keep the audit log for").fill("90")
    page.get_by_role("button", name="Save").click()
    expect(line).to_have_text(f"Kept for 90 days: history begins {begins(90)}.")

    page.goto(tenant.page_url("audit-log", "?action_type=edit"))
    expect(page.locator("tbody")).to_contain_text("Edited tenant")
    assert page_errors == []


def test_a_reader_sees_the_period_but_no_way_to_change_it(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.READER))
    page.goto(tenant.page_url("audit-log"))
    expect(page.locator("[data-retention-line]")).to_have_text(
        f"Kept for 400 days: history begins {begins(400)}."
    )
    expect(page.get_by_role("button", name="Change how long the audit log is kept")).to_have_count(
        0
    )
    page.goto(tenant.page_url("admin-setup"))
    expect(page.locator("[data-retention-line]")).to_have_text(
        f"Kept for 400 days: history begins {begins(400)}."
    )
    assert page_errors == []


def test_an_owner_changes_the_period_in_admin_setup_too(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("admin-setup"))
    line = page.locator("[data-retention-line]")
    expect(line).to_have_text(f"Kept for 400 days: history begins {begins(400)}.")

    page.get_by_role("button", name="Change how long the audit log is kept").click()
    days = page.get_by_label("Keep the audit log for")
    days.fill("3651")
    page.get_by_role("button", name="Save").click()
    assert days.evaluate("input => input.validity.rangeOverflow")
    days.fill("180")
    page.get_by_role("button", name="Save").click()
    expect(line).to_have_text(f"Kept for 180 days: history begins {begins(180)}.")

    page.goto(tenant.page_url("audit-log"))
    expect(page.locator("[data-retention-line]")).to_have_text(
        f"Kept for 180 days: history begins {begins(180)}."
    )
    page.goto(tenant.page_url("audit-log", "?action_type=edit"))
    expect(page.locator("tbody")).to_contain_text("Edited tenant")
    assert page_errors == []


def test_tenant_setup_sees_the_period_in_admin_setup_but_no_way_to_change_it(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.TENANT_SETUP))
    page.goto(tenant.page_url("admin-setup"))
    expect(page.locator("[data-retention-line]")).to_have_text(
        f"Kept for 400 days: history begins {begins(400)}."
    )
    expect(page.get_by_role("button", name="Change how long the audit log is kept")).to_have_count(
        0
    )
    assert page_errors == []
