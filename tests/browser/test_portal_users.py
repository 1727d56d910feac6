"""Portal users in a real browser: invite (the link shows once), accept, change role, revoke."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from callmanager.auth.principal import Role
from tests.browser.conftest import DESKTOP, Tenant, invite_in_ui, log_in

pytestmark = pytest.mark.browser


def test_an_owner_invites_someone_who_accepts_and_logs_in(
    page: Page, browser: Browser, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.get_by_role("link", name="Portal Users").click()
    link = invite_in_ui(page, "bob@contoso.example", "Bob Example", "Writer")
    pending = page.get_by_role("row", name="bob@contoso.example")
    expect(pending).to_contain_text("Writer")

    invitee = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
    invitee.goto(link)
    expect(invitee).to_have_url(re.compile(r"/accept-invitation$"))
    invitee.get_by_label("Password", exact=True).fill("a good long password")
    invitee.get_by_label("Repeat password").fill("a good long password")
    invitee.get_by_role("button", name="Create account and log in").click()
    invitee.wait_for_url(tenant.page_url("groups"))
    expect(invitee.get_by_role("button", name="bob@contoso.example")).to_contain_text("Writer")
    invitee.context.close()

    page.reload()
    expect(page.get_by_role("table", name="Portal users")).to_contain_text("bob@contoso.example")
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    assert page_errors == []


def test_an_owner_changes_a_role_removes_a_user_and_revokes_an_invitation(
    page: Page, tenant: Tenant
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    carol = tenant.user(Role.READER, "carol@contoso.example")
    page.goto(tenant.page_url("portal-users"))

    page.get_by_label(f"Role of {carol}").select_option(label="Writer")
    expect(page.locator("#toast")).to_have_text(f"{carol} is now Writer.")
    page.reload()
    expect(page.get_by_label(f"Role of {carol}")).to_have_value("writer")

    page.get_by_role("button", name=f"Remove {carol}").click()
    page.get_by_role("button", name="Remove user").click()
    expect(page.get_by_role("table", name="Portal users")).not_to_contain_text(carol)

    invite_in_ui(page, "dan@contoso.example", "Dan", "Reader")
    page.get_by_role("button", name="Revoke invitation for dan@contoso.example").click()
    page.get_by_role("button", name="Revoke invitation", exact=True).click()
    expect(page.get_by_text("No pending invitations.")).to_be_visible()


def test_the_last_owner_cannot_demote_themselves(page: Page, tenant: Tenant) -> None:
    owner = tenant.user(Role.OWNER)
    log_in(page, owner)
    page.goto(tenant.page_url("portal-users"))
    page.get_by_label(f"Role of {owner}").select_option(label="Reader")
    expect(page.locator("#toast")).to_contain_text("Couldn't change the role")
    expect(page.get_by_label(f"Role of {owner}")).to_have_value("owner")
