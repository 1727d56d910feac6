"""Groups in a real browser: an Owner creates, edits and deletes a group."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from callmanager.auth.principal import Role
from tests.browser.conftest import Tenant, log_in

pytestmark = pytest.mark.browser


def test_an_owner_creates_edits_and_deletes_a_group(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    expect(page.get_by_role("heading", name="No groups yet")).to_be_visible()

    page.get_by_role("button", name="New group").first.click()
    dialog = page.get_by_role("dialog", name="New group")
    dialog.get_by_label("Name").fill("Example New Group")
    dialog.get_by_label("Members").fill("a@contoso.example\nb@contoso.example")
    dialog.get_by_role("button", name="Create group").click()
    expect(dialog).to_have_count(0)
    row = page.get_by_role("row", name="Example New Group")
    expect(row).to_contain_text("2 · a@contoso.example, b@contoso.example")

    row.get_by_role("button", name="Edit Example New Group").click()
    dialog = page.get_by_role("dialog", name="Edit group Example New Group")
    dialog.get_by_label("Description").fill("Sales team")
    dialog.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("row", name="Example New Group")).to_contain_text("Sales team")

    page.get_by_role("button", name="Delete Example New Group").click()
    page.get_by_role("dialog", name="Delete group?").get_by_role(
        "button", name="Delete group"
    ).click()
    expect(page.get_by_role("heading", name="No groups yet")).to_be_visible()
    assert page_errors == []


def test_a_refused_change_is_explained_in_the_dialog(page: Page, tenant: Tenant) -> None:
    log_in(page, tenant.user(Role.WRITER))
    for _ in range(2):
        page.get_by_role("button", name="New group").first.click()
        dialog = page.get_by_role("dialog", name="New group")
        dialog.get_by_label("Name").fill("Sales")
        dialog.get_by_role("button", name="Create group").click()
    expect(dialog.get_by_role("alert")).to_contain_text("already")
