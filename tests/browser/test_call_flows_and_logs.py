"""Wizard Call Flows and Call Logs in a real browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from callmanager.auth.principal import Role
from callmanager.domain.calllogs.generator import demo_users, generate_calls, insert_calls
from tests.browser.conftest import Tenant, log_in

pytestmark = pytest.mark.browser


@pytest.mark.clock
def test_an_owner_creates_a_call_flow_with_holidays_edits_and_deletes_it(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("call-flows"))
    page.get_by_role("button", name="New call flow").first.click()
    dialog = page.get_by_role("dialog", name="New call flow")
    dialog.get_by_label("Name", exact=True).fill("Main line")
    dialog.get_by_label("Phone number").fill("+44 20 7946 0000")
    dialog.get_by_role("button", name="Add hours on Saturday").click()
    dialog.get_by_label("Public holidays of").select_option("GB")
    dialog.get_by_label("Region").select_option("ENG")
    year = datetime.now(ZoneInfo("Europe/London")).year  # the tenant's year, which the UI shows
    dialog.get_by_label("Date").fill(f"{year}-12-24")
    dialog.get_by_label("Holiday name").fill("Company day")
    dialog.get_by_label("Renew every year").check()
    dialog.get_by_role("button", name="Add day").click()
    expect(dialog.get_by_role("table", name=f"Holidays in {year}")).to_contain_text("Company day")
    dialog.get_by_role("button", name="Create call flow").click()
    expect(dialog).to_have_count(0)

    row = page.get_by_role("row", name=re.compile("Main line"))
    expect(row).to_contain_text("+442079460000")
    expect(row).to_contain_text("Mon\u2013Sat 09:00\u201317:00")  # en dashes, as displayed
    expect(row).to_contain_text("United Kingdom (ENG) ·")

    row.get_by_role("button", name="Edit Main line").click()
    dialog = page.get_by_role("dialog", name="Edit call flow Main line")
    holidays = dialog.get_by_role("table", name=f"Holidays in {year}")
    expect(holidays).to_contain_text("Christmas Day")
    expect(holidays.get_by_label("Renew Company day every year")).to_be_checked()
    dialog.get_by_label("When closed", exact=True).select_option("phone_number")
    dialog.get_by_label("When closed: phone number").fill("+44 20 7946 0999")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog).to_have_count(0)

    page.get_by_role("button", name="Delete Main line").click()
    page.get_by_role("button", name="Delete call flow").click()
    expect(page.get_by_role("heading", name="No call flows yet")).to_be_visible()
    assert page_errors == []


@pytest.mark.clock
def test_call_logs_list_the_last_seven_days_filter_and_load_more(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    """The calls of the last six days: whatever the day, at least four of them are weekdays."""
    now = datetime.now(UTC)
    calls = generate_calls(
        start=now - timedelta(days=6),
        end=now - timedelta(minutes=1),
        time_zone="Europe/London",
        users=demo_users(3),
        calls_per_user_per_day=20,
    )
    with tenant.server.services.unit_of_work() as uow:
        count = insert_calls(uow.session, tenant.id, calls)
        uow.commit()
    assert count > 100

    log_in(page, tenant.user(Role.READER))
    page.goto(tenant.page_url("call-logs"))
    expect(page.get_by_label("Last 7 days")).to_be_checked()
    rows = page.get_by_role("table", name="PSTN calls, newest first").locator("tbody tr")
    expect(rows).to_have_count(50)
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(100)

    page.get_by_label("Direction").select_option("inbound")
    expect(page).to_have_url(re.compile(r"direction=inbound"))
    expect(rows.first).to_contain_text("Inbound")
    expect(page.locator("tbody tr", has_text="Outbound")).to_have_count(0)
    page.go_back()
    expect(page.get_by_label("Direction")).to_have_value("")
    assert page_errors == []
