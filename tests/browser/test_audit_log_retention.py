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


CHANGE = "Change how long the audit log is kept"


def begins(days: int, tenant_zone: str = "Europe/London") -> str:
    return (utcnow().astimezone(ZoneInfo(tenant_zone)).date() - timedelta(days=days)).isoformat()


def kept(days: int) -> str:
    """The retention line of a tenant (in London) keeping `days` days."""
    return f"Kept for {days} days: history begins {begins(days)}."


def expect_the_period_without_a_way_to_change_it(page: Page, days: int) -> None:
    expect(page.locator("[data-retention-line]")).to_have_text(kept(days))
    expect(page.get_by_role("button", name=CHANGE)).to_have_count(0)


def test_an_owner_sees_where_history_begins_and_changes_the_period(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log"))
    line = page.locator("[data-retention-line]")
    expect(line).to_have_text(kept(400))

    page.get_by_role("button", name=CHANGE).click()
    days = page.get_by_label("Keep the audit log for")
    days.fill("20")
    page.get_by_role("button", name="Save").click()
    assert days.evaluate("input => input.validity.rangeUnderflow")
    page.get_by_role("button", name="Cancel").click()
    expect(line).to_have_text(kept(400))

    page.get_by_role("button", name=CHANGE).click()
    page.get_by_label("Keep the audit log for").fill("90")
    page.get_by_role("button", name="Save").click()
    expect(line).to_have_text(kept(90))

    page.goto(tenant.page_url("audit-log", "?action_type=edit"))
    expect(page.locator("tbody")).to_contain_text("Edited tenant")
    assert page_errors == []


def test_a_reader_sees_the_period_but_no_way_to_change_it(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.READER))
    page.goto(tenant.page_url("audit-log"))
    expect_the_period_without_a_way_to_change_it(page, 400)
    page.goto(tenant.page_url("admin-setup"))
    expect(page.locator("[data-retention-line]")).to_have_text(kept(400))
    assert page_errors == []


def test_an_owner_changes_the_period_in_admin_setup_too(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("admin-setup"))
    line = page.locator("[data-retention-line]")
    expect(line).to_have_text(kept(400))

    page.get_by_role("button", name=CHANGE).click()
    days = page.get_by_label("Keep the audit log for")
    days.fill("3651")
    page.get_by_role("button", name="Save").click()
    assert days.evaluate("input => input.validity.rangeOverflow")
    days.fill("180")
    page.get_by_role("button", name="Save").click()
    expect(line).to_have_text(kept(180))

    page.goto(tenant.page_url("audit-log"))
    expect(page.locator("[data-retention-line]")).to_have_text(kept(180))
    page.goto(tenant.page_url("audit-log", "?action_type=edit"))
    expect(page.locator("tbody")).to_contain_text("Edited tenant")
    assert page_errors == []


def test_tenant_setup_sees_the_period_in_admin_setup_but_no_way_to_change_it(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.TENANT_SETUP))
    page.goto(tenant.page_url("admin-setup"))
    expect_the_period_without_a_way_to_change_it(page, 400)
    assert page_errors == []
