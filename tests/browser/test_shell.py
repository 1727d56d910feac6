"""The app shell in a real browser: logging in and out, the menu each role sees, tenants."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from callmanager.auth.principal import Role
from tests.browser.conftest import Tenant, log_in, new_tenant

pytestmark = pytest.mark.browser

FULL_MENU = [
    "Groups",
    "Wizard Call Flows",
    "Call Logs",
    "Portal Users",
    "Audit Log",
    "Admin Setup",
]


def menu_items(page: Page) -> list[str]:
    return page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()


def test_an_owner_logs_in_sees_the_whole_menu_and_who_they_are(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    email = tenant.user(Role.OWNER)
    log_in(page, email)

    expect(page).to_have_url(tenant.page_url("groups"))
    assert menu_items(page) == FULL_MENU
    expect(page.get_by_text("Organization", exact=True)).to_be_visible()
    user_menu = page.get_by_role("button", name=email)
    expect(user_menu).to_contain_text("Owner")
    user_menu.click()
    expect(page.locator("#user-menu")).to_contain_text("Role Owner")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    page.goto(tenant.page_url("groups"))
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert page_errors == []


def test_wrong_password_is_refused_with_a_message(page: Page, tenant: Tenant) -> None:
    email = tenant.user(Role.OWNER)
    log_in_page = page
    log_in_page.goto("/login")
    log_in_page.get_by_label("Email").fill(email)
    log_in_page.get_by_label("Password").fill("not the password")
    log_in_page.get_by_role("button", name="Log in").click()
    expect(log_in_page.get_by_role("alert")).to_have_text("Wrong email or password.")


def test_login_returns_to_the_page_asked_for(page: Page, tenant: Tenant) -> None:
    email = tenant.user(Role.READER)
    page.goto(tenant.page_url("audit-log", "?action_type=all"))
    page.wait_for_url("**/login?next=**")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(tenant.page_url("audit-log", "?action_type=all"))


def test_a_reader_sees_everything_but_no_create_edit_or_delete_controls(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.READER))
    assert menu_items(page) == FULL_MENU
    expect(page.get_by_role("button", name="Reader")).to_be_visible()
    for slug in ("groups", "call-flows", "portal-users", "admin-setup"):
        page.goto(tenant.page_url(slug))
        expect(page.locator("#page-root")).not_to_have_attribute("aria-busy", "true")
        for name in ("New group", "New call flow", "Invite user", "Edit", "Delete", "Remove"):
            expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name="Grant consent")).to_have_count(0)
    assert page_errors == []


def test_tenant_setup_sees_only_admin_setup(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.TENANT_SETUP))
    expect(page).to_have_url(tenant.page_url("admin-setup"))
    assert menu_items(page) == ["Admin Setup"]
    expect(page.get_by_text("Organization", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Grant consent").click()
    expect(page.locator("[data-consent]")).to_have_text("Granted")

    page.goto(tenant.page_url("audit-log"))
    expect(page.get_by_role("heading", name="Not available to your role")).to_be_visible()
    assert page_errors == []


def test_a_person_in_two_tenants_switches_between_them(page: Page, tenant: Tenant) -> None:
    email = tenant.user(Role.OWNER)
    other = new_tenant(tenant.server, "Zz Fabrikam", "America/New_York")
    other.add_member(email, Role.READER)
    log_in(page, email)
    page.goto(tenant.page_url("audit-log"))
    page.get_by_label("Tenant").select_option(label="Zz Fabrikam")
    page.wait_for_url(other.page_url("audit-log"))
    expect(page.get_by_role("button", name="Reader")).to_be_visible()
