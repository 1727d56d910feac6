"""Organization > Audit Log in a real browser: the seed article's walkthrough, and more.

Each test has a tenant of its own, so its log holds only the calls the test made.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from callmanager.auth.principal import Role
from tests.browser.conftest import (
    DESKTOP,
    NARROW,
    LiveServer,
    Tenant,
    invite_in_ui,
    log_in,
    new_tenant,
    screenshot,
)

pytestmark = pytest.mark.browser


def create_group(page: Page, name: str, members: str = "") -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups").click()
    page.get_by_role("button", name="New group").first.click()
    dialog = page.get_by_role("dialog", name="New group")
    dialog.get_by_label("Name").fill(name)
    if members:
        dialog.get_by_label("Members").fill(members)
    dialog.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("row", name=name)).to_be_visible()


def open_audit_log(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit Log").click()
    wait_for_entries(page)


def wait_for_entries(page: Page) -> None:
    expect(page.get_by_role("heading", name="Audit Log")).to_be_visible()
    expect(page.locator(".audit-region")).not_to_have_attribute("aria-busy", "true")


def entry(page: Page, text: str) -> Locator:
    return page.locator("tr.entry", has_text=text)


def is_the_group_list(response: Response) -> bool:
    """The API's answer listing the groups (not the page at /tenants/<id>/groups)."""
    path = urlparse(response.url).path
    return (
        response.request.method == "GET"
        and re.fullmatch(r"/api/v1/tenants/[^/]+/groups", path) is not None
    )


def refresh_until_listed(page: Page, row: Locator, timeout_s: float = 10) -> None:
    """Reads reach the log asynchronously (within a second): refresh until the row shows."""
    deadline = time.monotonic() + timeout_s
    while row.count() == 0 and time.monotonic() < deadline:
        page.get_by_role("button", name="Refresh").click()
        wait_for_entries(page)
        time.sleep(0.25)
    expect(row.first).to_be_visible()


def toggle_of(row: Locator) -> Locator:
    """The button in a row's first cell that opens and closes its detail."""
    return row.locator("td").first.get_by_role("button")


def detail_of(row: Locator) -> Locator:
    detail_id = toggle_of(row).get_attribute("aria-controls")
    return row.page.locator(f"#{detail_id}")


def test_a_new_group_is_listed_today_and_its_row_expands_to_path_request_and_response(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    email = tenant.user(Role.OWNER)
    log_in(page, email)
    create_group(page, "Example New Group", "a@contoso.example")
    open_audit_log(page)

    expect(page.get_by_label("Action Type")).to_have_value("modifications")
    expect(page.get_by_label("Today")).to_be_checked()
    expect(page.locator(".day-row")).to_contain_text("Today")
    row = entry(page, "Example New Group")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Created group 'Example New Group'")
    expect(row.locator(".col-who")).to_have_text(email)
    expect(row.locator(".col-action")).to_have_text("Create")
    expect(row.locator(".col-source")).to_have_text("Call Manager")
    expect(row.locator(".col-status")).to_have_text("201")
    full = row.locator("time").get_attribute("title") or ""
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} Europe/London \(UTC", full)
    # Reads are hidden by default: the page's own GETs are not in this view.
    expect(page.locator("tr.entry .col-action", has_text="Read")).to_have_count(0)

    expect(toggle_of(row)).to_have_attribute("aria-expanded", "false")
    row.click()
    expect(toggle_of(row)).to_have_attribute("aria-expanded", "true")
    detail = detail_of(row)
    expect(detail.locator(".detail-call")).to_contain_text(
        f"POST/api/v1/tenants/{tenant.id}/groups"
    )
    request = detail.get_by_role("region", name="Request")
    expect(request).to_contain_text('"name": "Example New Group"')
    expect(request).to_contain_text('"a@contoso.example"')
    response = detail.get_by_role("region", name="Response")
    expect(response).to_contain_text('"id": "')
    expect(response).to_contain_text('"created_at": "')
    expect(detail).to_contain_text("Duration")
    expect(detail).to_contain_text("127.0.0.1")

    # The keyboard does the same: Enter and Space on the row's focused button.
    toggle_of(row).focus()
    page.keyboard.press("Enter")
    expect(toggle_of(row)).to_have_attribute("aria-expanded", "false")
    expect(detail).to_be_hidden()
    page.keyboard.press(" ")
    expect(toggle_of(row)).to_have_attribute("aria-expanded", "true")
    assert page_errors == []


def test_a_row_opens_from_a_button_in_its_first_cell_that_says_whether_it_is_open(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    create_group(page, "Another Group")
    open_audit_log(page)

    row = entry(page, "Example New Group")
    toggle = toggle_of(row)
    expect(toggle).to_have_accessible_name(re.compile("Created group 'Example New Group'"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    detail = page.locator(f"#{toggle.get_attribute('aria-controls')}")
    expect(detail).to_be_hidden()

    toggle.focus()
    page.keyboard.press(" ")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(detail.get_by_role("region", name="Request")).to_contain_text("Example New Group")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(detail).to_be_hidden()

    # Arrow keys move between the rows' buttons, newest first.
    newer = toggle_of(entry(page, "Another Group"))
    page.keyboard.press("ArrowUp")
    expect(newer).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(toggle).to_be_focused()
    assert page_errors == []


def test_all_action_types_include_the_reads_the_page_itself_made(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    # The landing page (itself at .../groups) lists the groups through the API: wait for the
    # API's answer, not the page's, so the read it made has reached the server and is logged.
    with page.expect_response(is_the_group_list):
        log_in(page, tenant.user(Role.OWNER))
    open_audit_log(page)
    page.get_by_label("Action Type").select_option("all")
    expect(page).to_have_url(re.compile(r"action_type=all"))

    reads = page.locator("tr.entry", has=page.locator(".col-action", has_text="Read"))
    refresh_until_listed(page, reads.filter(has_text="GET /audit-log"))
    own = reads.filter(has_text="GET /audit-log").first
    expect(own.locator(".col-source")).to_have_text("Call Manager")
    own.click()
    expect(detail_of(own).locator(".detail-call")).to_contain_text("action_type=")

    # Each refresh is itself a read, so the landing page's read may have left the first page:
    # search for it rather than count on where it sits.
    page.get_by_label("Search").fill("groups")
    page.get_by_label("Search").press("Enter")
    refresh_until_listed(page, reads.filter(has_text="GET /groups"))
    assert page_errors == []


def test_an_invitation_entry_keeps_its_summary_and_never_the_token(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("portal-users"))
    link = invite_in_ui(page, "dan@contoso.example", "Dan Example", "Reader")
    token = parse_qs(urlparse(link).query)["token"][0]
    open_audit_log(page)

    row = entry(page, "dan@contoso.example")
    expect(row).to_contain_text("Invited")
    row.click()
    detail = detail_of(row)
    expect(detail.locator("[data-marker=sensitive]")).to_contain_text(
        "Response not stored — sensitive, summary only"
    )
    response = detail.get_by_role("region", name="Response")
    expect(response).to_contain_text('"email": "dan@contoso.example"')
    expect(response).to_contain_text('"role": "reader"')
    expect(response).to_contain_text('"expires_at": "')
    assert token not in page.content()
    assert "invitation_url" not in (response.text_content() or "")

    entry_id = row.get_attribute("data-entry-id")
    stored = page.request.get(f"/api/v1/tenants/{tenant.id}/audit-log/{entry_id}")
    assert stored.ok
    assert token not in stored.text()
    assert stored.json()["response"]["sensitive"] is True
    assert page_errors == []


def test_a_reader_sees_the_log_but_no_create_edit_or_delete_controls(
    page: Page, browser: Browser, tenant: Tenant, page_errors: list[str]
) -> None:
    owner_page = browser.new_context(base_url=tenant.server.base_url, viewport=DESKTOP).new_page()
    log_in(owner_page, tenant.user(Role.OWNER))
    create_group(owner_page, "Made by the Owner")
    owner_page.context.close()

    log_in(page, tenant.user(Role.READER))
    open_audit_log(page)
    row = entry(page, "Made by the Owner")
    expect(row).to_be_visible()
    row.click()
    expect(detail_of(row).get_by_role("region", name="Request")).to_contain_text(
        '"name": "Made by the Owner"'
    )
    for name in ("New group", "Edit", "Delete", "Remove", "Invite user"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    assert page_errors == []


def test_filters_live_in_the_url_so_back_works_and_views_can_be_bookmarked(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.WRITER))
    create_group(page, "Example New Group")
    create_group(page, "Another Group")
    open_audit_log(page)
    expect(page.locator("tr.entry")).to_have_count(2)

    page.get_by_label("Last 7 days").check()
    expect(page).to_have_url(re.compile(r"\?range=7d$"))
    page.get_by_label("Action Type").select_option("create")
    expect(page).to_have_url(re.compile(r"action_type=create"))
    page.get_by_role("heading", name="Audit Log").click()
    page.keyboard.press("/")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.type("Example New")  # not "Example": it is in every user's email too
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=Example(\+|%20)New"))
    expect(page.locator("tr.entry")).to_have_count(1)
    expect(page.locator("#result-summary")).to_contain_text("1 create")
    bookmark = page.url

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"q="))
    expect(page.get_by_label("Search")).to_have_value("")
    expect(page.locator("tr.entry")).to_have_count(2)
    page.go_back()
    expect(page.get_by_label("Action Type")).to_have_value("modifications")
    page.go_back()
    expect(page.get_by_label("Today")).to_be_checked()
    expect(page).to_have_url(tenant.page_url("audit-log"))

    page.goto(bookmark)
    wait_for_entries(page)
    expect(page.get_by_label("Action Type")).to_have_value("create")
    expect(page.get_by_label("Last 7 days")).to_be_checked()
    expect(page.get_by_label("Search")).to_have_value("Example New")
    expect(page.locator("tr.entry")).to_have_count(1)

    page.get_by_label("Who").select_option(label="System")
    expect(page).to_have_url(re.compile(r"who=system"))
    expect(page.get_by_role("heading", name="No entries in this period")).to_be_visible()
    page.get_by_role("button", name="Clear filters").first.click()
    expect(page).to_have_url(tenant.page_url("audit-log"))
    expect(page.locator("tr.entry")).to_have_count(2)
    assert page_errors == []


def test_custom_dates_and_a_range_too_long_offer_the_fix_rather_than_a_retry(
    page: Page, tenant: Tenant
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log", "?range=custom&from=2020-01-01&to=2020-01-02"))
    wait_for_entries(page)
    expect(page.get_by_label("From")).to_have_value("2020-01-01")
    expect(page.get_by_role("heading", name="No modifications in this period")).to_be_visible()
    page.goto(tenant.page_url("audit-log", "?range=custom&from=2020-01-01&to=2026-01-02"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("A search may span at most 366 days")
    expect(alert.get_by_role("button", name="Try again")).to_have_count(0)
    alert.get_by_role("button", name="Use the last 366 days").click()
    expect(page.get_by_role("heading", name="No modifications in this period")).to_be_visible()
    expect(page.get_by_label("Custom")).to_be_checked()
    expect(page).to_have_url(re.compile(r"range=custom&from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$"))


def test_the_current_view_exports_as_csv_and_json_lines(page: Page, tenant: Tenant) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    create_group(page, "Other")
    open_audit_log(page)
    page.get_by_label("Search").fill("Example New")
    page.get_by_label("Search").press("Enter")
    expect(page.locator("tr.entry")).to_have_count(1)

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Export CSV").click()
    csv_text = csv_download.value.path().read_text()
    header, *rows = csv_text.strip().splitlines()
    assert header.startswith("occurred_at,id,seq,action,summary")
    assert len(rows) == 1
    assert "Created group 'Example New Group'" in rows[0]

    with page.expect_download() as jsonl_download:
        page.get_by_role("link", name="Export JSON Lines").click()
    *lines, trailer = jsonl_download.value.path().read_text().strip().splitlines()
    assert [json.loads(line)["summary"] for line in lines] == ["Created group 'Example New Group'"]
    assert set(json.loads(trailer)) == {"checkpoint", "tree_size", "range"}


def test_system_and_partner_entries_are_tagged_without_a_person(
    page: Page, browser: Browser, tenant: Tenant, page_errors: list[str]
) -> None:
    server = tenant.server
    output = server.cli(
        "partner", "grant", "--tenant", str(tenant.id), "--base-url", server.base_url
    )
    grant_url = next(word for word in output.split() if word.startswith(server.base_url))
    partner = browser.new_context(base_url=server.base_url, viewport=DESKTOP).new_page()
    partner.goto(grant_url)
    partner.wait_for_url("**/tenants/**")
    expect(partner.get_by_role("button", name="Partner")).to_be_visible()
    create_group(partner, "Made by a Partner")
    partner.context.close()
    server.cli("tasks", "run", "holiday-migration")

    log_in(page, tenant.user(Role.OWNER))
    open_audit_log(page)
    row = entry(page, "Made by a Partner")
    expect(row.locator(".col-who")).to_have_text("Partner")
    expect(row.locator(".col-who .badge-partner")).to_be_visible()
    expect(row.locator(".col-source")).to_have_text("Partner")
    row.click()
    expect(detail_of(row)).to_contain_text("Partner (via Access Service)")

    page.get_by_label("Action Type").select_option("all")
    page.get_by_label("Who").select_option(label="System")
    system_rows = page.locator("tr.entry", has=page.locator(".badge-system"))
    refresh_until_listed(page, system_rows)
    expect(system_rows.first.locator(".col-source")).to_have_text("System")
    expect(page.locator("tr.entry .who-user")).to_have_count(0)
    assert page_errors == []


def test_screenshots_of_the_audit_log_desktop_and_narrow(
    page: Page, live_server: LiveServer, page_errors: list[str]
) -> None:
    """Writes test-artifacts/audit-log-{desktop,narrow}-{collapsed,expanded}.png for review."""
    tenant = new_tenant(live_server, "Contoso")
    log_in(page, tenant.user(Role.OWNER, "alice@contoso.example"))
    create_group(page, "Example New Group", "a@contoso.example\nb@contoso.example")
    create_group(page, "Support")
    page.get_by_role("button", name="Edit Support").click()
    page.get_by_role("dialog").get_by_label("Description").fill("Second line")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("button", name="Delete Support").click()
    page.get_by_role("button", name="Delete group").click()
    expect(page.get_by_role("row", name="Support")).to_have_count(0)
    page.goto(tenant.page_url("portal-users"))
    invite_in_ui(page, "bob@contoso.example", "Bob Example", "Writer")
    open_audit_log(page)
    expect(page.locator("tr.entry")).to_have_count(5)

    screenshot(page, "audit-log-desktop-collapsed")
    entry(page, "Example New Group").click()
    entry(page, "bob@contoso.example").click()
    expect(page.locator("tr.entry-detail:not([hidden]) .json").first).to_be_visible()
    expect(page.locator("[data-marker=sensitive]")).to_be_visible()
    screenshot(page, "audit-log-desktop-expanded")

    page.set_viewport_size(NARROW)
    entry(page, "bob@contoso.example").click()
    entry(page, "Example New Group").click()
    expect(page.locator("tr.entry button[aria-expanded=true]")).to_have_count(0)
    screenshot(page, "audit-log-narrow-collapsed")
    entry(page, "Example New Group").click()
    expect(page.locator("tr.entry-detail:not([hidden]) .json").first).to_be_visible()
    screenshot(page, "audit-log-narrow-expanded")
    assert page_errors == []


def test_load_more_follows_the_cursor_until_the_end(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "cm_csrf")
    for number in range(55):
        created = page.request.post(
            f"/api/v1/tenants/{tenant.id}/groups",
            data={"name": f"Group {number:02d}"},
            headers={"X-CSRF-Token": csrf},
        )
        assert created.status == 201, created.text()
    open_audit_log(page)
    expect(page.locator("tr.entry")).to_have_count(50)
    expect(page.locator("#result-summary")).to_contain_text("50+ modifications")
    expect(entry(page, "Group 54")).to_be_visible()

    more = page.get_by_role("button", name="Load more")
    more.focus()
    page.keyboard.press("Enter")
    expect(page.locator("tr.entry")).to_have_count(55)
    expect(entry(page, "Group 00")).to_be_visible()
    expect(more).to_be_hidden()
    expect(page.get_by_text("End of results.")).to_be_visible()
    expect(page.locator("#result-summary")).to_contain_text("55 modifications")
    assert page_errors == []


def test_every_control_on_the_page_has_a_label(page: Page, tenant: Tenant) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    open_audit_log(page)
    entry(page, "Example New Group").click()
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
            .filter((el) => el.offsetParent !== null)
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !(el.textContent || '').trim())
            .map((el) => el.outerHTML)"""
    )
    assert unlabelled == []
    rows = page.locator("tr.entry")
    assert toggle_of(rows.first).evaluate("el => el.tabIndex") == 0
    expect(page.locator("table.audit-table caption")).to_have_count(1)
    expect(page.locator("table.audit-table thead th[scope=col]")).to_have_count(6)
