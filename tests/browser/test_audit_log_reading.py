"""Reading the Audit Log in a real browser: what a refused call looks like, one query per settled
filter, the toggle that hides the log's own views, one date format and the time-zone switch,
loading and range errors, the narrow layout, and read-only notes.

The chart, history and diff tests here drive the UI with answers shaped as the API contract says
(`page.route`), so they hold whatever the server does; `test_audit_log_incidents.py` checks the
same against the real API.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from callmanager.auth.principal import Role
from tests.browser.conftest import DESKTOP, NARROW, Tenant, log_in, screenshot
from tests.browser.test_audit_log import (
    create_group,
    detail_of,
    entry,
    open_audit_log,
    refresh_until_listed,
    toggle_of,
    wait_for_entries,
)

pytestmark = pytest.mark.browser


def csrf(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "cm_csrf")


def api_post(page: Page, tenant: Tenant, path: str, body: dict[str, Any]) -> int:
    response = page.request.post(
        f"/api/v1/tenants/{tenant.id}{path}", data=body, headers={"X-CSRF-Token": csrf(page)}
    )
    return response.status


def reader_tries_to_create_a_group(page: Page, tenant: Tenant) -> None:
    log_in(page, tenant.user(Role.READER))
    assert api_post(page, tenant, "/groups", {"name": "Reader Try Group"}) == 403


def fake_activity(route: Route) -> None:
    """An activity answer as the contract shapes it: hour buckets over the asked range, a
    modification in every third, a refusal in the fifth."""
    query = parse_qs(urlparse(route.request.url).query)
    start = datetime.fromisoformat(query["from"][0].replace("Z", "+00:00"))
    end = datetime.fromisoformat(query["to"][0].replace("Z", "+00:00"))
    step = timedelta(hours=1) if end - start <= timedelta(hours=48) else timedelta(days=1)
    buckets, at = [], start
    while at < end:
        index = len(buckets)
        counts = {"modifications": int(index % 3 == 0), "reads": 2, "refused": int(index == 4)}
        counts |= {"failed": 0, "unknown": 0}
        buckets.append(
            {"start": iso(at), "end": iso(min(at + step, end)), "total": sum(counts.values())}
            | counts
        )
        at += step
    totals = {
        key: sum(b[key] for b in buckets) for key in buckets[0] if key not in ("start", "end")
    }
    body = {
        "bucket": "hour" if step == timedelta(hours=1) else "day",
        "time_zone": "Europe/London",
        "from": iso(start),
        "to": iso(end),
        "totals": totals,
        "buckets": buckets,
    }
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_refused_call_says_refused_in_words_and_the_count_line_says_how_many(
    page: Page, browser: Browser, tenant: Tenant, page_errors: list[str]
) -> None:
    owner = browser.new_context(base_url=tenant.server.base_url, viewport=DESKTOP).new_page()
    log_in(owner, tenant.user(Role.OWNER))
    create_group(owner, "Made by the Owner")
    owner.context.close()
    reader_tries_to_create_a_group(page, tenant)
    page.route("**/audit-log/activity?*", lambda route: route.fulfill(status=404))
    open_audit_log(page)

    refused = page.locator("tr.entry[data-outcome=refused]")
    expect(refused).to_have_count(1)
    expect(refused.locator(".col-status")).to_contain_text("Refused")
    expect(refused.locator(".col-status")).to_contain_text("403")
    expect(refused.locator(".status-icon")).to_have_text("⊘")
    expect(refused.locator(".action")).to_have_class(re.compile("action-tried"))
    expect(entry(page, "Made by the Owner").locator(".col-status")).not_to_contain_text("Refused")
    expect(page.locator("#result-outcomes")).to_have_text("1 succeeded, 1 refused or failed")
    screenshot(page, "audit-log-refused-desktop")
    page.set_viewport_size(NARROW)
    expect(refused.locator(".col-status")).to_contain_text("Refused")
    screenshot(page, "audit-log-refused-narrow")
    assert page_errors == []


def test_the_activity_chart_shows_the_period_and_a_bar_narrows_the_dates(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    asked: list[str] = []
    page.route(
        "**/audit-log/activity?*",
        lambda route: (asked.append(route.request.url), fake_activity(route)),
    )
    open_audit_log(page)

    chart = page.get_by_role("region", name="Activity per hour")
    expect(chart).to_be_visible()
    bars = chart.locator(".bar")
    expect(bars).to_have_count(24)
    expect(bars.nth(4)).to_have_attribute(
        "aria-label", re.compile(r"\d\d:00\u2013\d\d:00: 3 entries \(2 reads, 1 refused\)")
    )
    expect(chart.get_by_role("list", name="Legend")).to_contain_text("Refused 1")
    # The count line takes the whole view's totals from the chart.
    expect(page.locator("#result-outcomes")).to_have_text("56 succeeded, 1 refused or failed")
    assert "action_type=modifications" in asked[-1]
    assert "order" not in asked[-1]
    screenshot(page, "audit-log-activity-desktop")

    bars.nth(14).click()
    expect(page).to_have_url(
        re.compile(r"range=custom&from=\d{4}-\d\d-\d\dT14%3A00&to=\d{4}-\d\d-\d\dT15%3A00")
    )
    expect(page.get_by_label("From")).to_have_value(re.compile(r"^\d{4}-\d\d-\d\d 14:00$"))

    page.go_back()
    wait_for_entries(page)
    box = bars.nth(2).bounding_box()
    end = bars.nth(5).bounding_box()
    assert box
    assert end
    page.mouse.move(box["x"] + 2, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(end["x"] + 2, end["y"] + 40, steps=4)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"from=\d{4}-\d\d-\d\dT02%3A00&to=\d{4}-\d\d-\d\dT06%3A00"))

    page.goto(tenant.page_url("audit-log", "?range=7d"))
    expect(page.get_by_role("region", name="Activity per day")).to_be_visible()
    page.get_by_role("region", name="Activity per day").locator(".bar").last.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"range=custom&from=(\d{4}-\d\d-\d\d)&to=\1$"))
    page.set_viewport_size(NARROW)
    screenshot(page, "audit-log-activity-narrow")
    assert page_errors == []


def test_the_chart_steps_aside_where_the_server_has_no_activity_endpoint(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    page.route("**/audit-log/activity?*", lambda route: route.fulfill(status=404))
    open_audit_log(page)
    expect(entry(page, "Example New Group")).to_be_visible()
    expect(page.locator("section.activity")).to_be_hidden()
    expect(page.locator("#result-outcomes")).to_have_text("1 succeeded, 0 refused or failed")
    assert page_errors == []


def test_an_edit_shows_what_changed_field_by_field_and_says_when_nothing_earlier_is_known(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Support")
    page.get_by_role("button", name="Edit Support").click()
    page.get_by_role("dialog").get_by_label("Name").fill("Support EMEA")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("row", name="Support EMEA")).to_be_visible()
    open_audit_log(page)
    row = page.locator("tr.entry-edit")
    changes = {
        "basis": "captured",
        "fields": [
            {"field": "name", "before": "Support", "after": "Support EMEA"},
            {
                "field": "members",
                "added": ["a@contoso.example", "b@contoso.example"],
                "removed": ["c@contoso.example"],
            },
            {
                "field": "business_hours.monday",
                "before": None,
                "after": [{"start": "09:00", "end": "17:00"}],
            },
        ],
    }

    def with_changes(route: Route) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, json=answer.json() | {"changes": changes})

    page.route(re.compile(rf"/audit-log/{row.get_attribute('data-entry-id')}$"), with_changes)
    row.click()
    table = detail_of(row).get_by_role("region", name="What changed")
    expect(table.locator("tr[data-field=name]")).to_have_text(
        re.compile(r"name\s*Support\s*→ Support EMEA")
    )
    expect(table.locator("tr[data-field=members] ins")).to_have_text(
        "+ a@contoso.example, b@contoso.example"
    )
    expect(table.locator("tr[data-field=members] del")).to_have_text("\u2212 c@contoso.example")
    expect(table.locator("tr[data-field='business_hours.monday'] th")).to_have_text(
        "business hours \u203a monday"
    )
    screenshot(page, "audit-log-changes-desktop")
    page.set_viewport_size(NARROW)
    screenshot(page, "audit-log-changes-narrow")

    page.set_viewport_size(DESKTOP)
    changes.update(basis="unknown", fields=[])
    page.reload()
    wait_for_entries(page)
    page.locator("tr.entry-edit").click()
    expect(page.get_by_role("region", name="What changed")).to_have_text(
        re.compile("No earlier state is known for this change.")
    )
    assert page_errors == []


def test_history_of_a_thing_is_one_click_from_its_entry_and_lives_in_the_url(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Support")
    page.get_by_role("button", name="Edit Support").click()
    page.get_by_role("dialog").get_by_label("Description").fill("Second line")
    page.get_by_role("button", name="Save changes").click()
    open_audit_log(page)
    row = page.locator("tr.entry-edit")
    row.click()
    detail = detail_of(row)
    expect(detail.get_by_role("button", name="History of this group")).to_be_visible()
    stored = page.request.get(
        f"/api/v1/tenants/{tenant.id}/audit-log/{row.get_attribute('data-entry-id')}"
    )
    group_id = stored.json()["resource"]["id"]
    detail.get_by_role("button", name="History of this group").click()

    expect(page).to_have_url(
        re.compile(rf"action_type=all&range=custom&.*resource_type=group&resource_id={group_id}")
    )
    chip = page.locator("[data-chip=history]")
    expect(chip).to_contain_text(re.compile(r"History of group ('Support'|" + group_id + ")"))
    expect(page.get_by_label("Resource")).to_have_value("group")
    page.get_by_role("button", name="Show oldest first").click()
    expect(page).to_have_url(re.compile(r"order=asc"))
    expect(page.get_by_label("Order")).to_have_value("asc")
    screenshot(page, "audit-log-history-desktop")
    page.set_viewport_size(NARROW)
    screenshot(page, "audit-log-history-narrow")

    bookmark = page.url
    page.get_by_role("button", name=re.compile("^Remove filter: History of group")).click()
    expect(page).not_to_have_url(re.compile("resource_id"))
    expect(chip).to_be_hidden()
    page.goto(bookmark)
    expect(page.locator("[data-chip=history]")).to_be_visible()
    assert page_errors == []


def test_typing_a_search_makes_one_query_once_it_settles(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    open_audit_log(page)
    lists: list[str] = []
    page.on("request", lambda r: lists.append(r.url) if re.search(r"/audit-log\?", r.url) else None)
    page.get_by_label("Search").press_sequentially("Example", delay=60)
    expect(page).to_have_url(re.compile(r"q=Example"))
    wait_for_entries(page)
    expect(page.locator("tr.entry")).to_have_count(1)
    assert len(lists) == 1, lists
    # A settled filter equal to the one shown asks nothing again.
    page.get_by_label("Search").press("Enter")
    page.get_by_label("Search").press("End")
    assert len(lists) == 1
    assert page_errors == []


def test_all_offers_a_toggle_to_hide_views_of_the_audit_log_off_by_default(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    open_audit_log(page)
    toggle = page.get_by_label("Hide views of the audit log")
    expect(toggle).to_be_hidden()
    page.get_by_label("Action Type").select_option("all")
    expect(toggle).to_be_visible()
    expect(toggle).not_to_be_checked()
    with page.expect_request(
        lambda r: "exclude_resource_type=audit_log" in r.url and "/audit-log?" in r.url
    ):
        toggle.check()
    expect(page).to_have_url(re.compile(r"action_type=all&exclude_resource_type=audit_log"))
    page.reload()
    expect(page.get_by_label("Hide views of the audit log")).to_be_checked()
    assert page_errors == []


def test_unknown_url_parameters_are_dropped_with_a_notice_and_stale_rows_dim_while_loading(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    page.goto(tenant.page_url("audit-log", "?range=7d&colour=blue&utm_source=mail"))
    wait_for_entries(page)
    expect(page).to_have_url(tenant.page_url("audit-log", "?range=7d"))
    expect(page.locator(".notices")).to_contain_text("“colour”, “utm_source”")

    held: list[Route] = []
    listing = re.compile(r"/audit-log\?")
    page.route(listing, lambda route: held.append(route))
    page.get_by_role("button", name="Refresh").click()
    region = page.locator(".audit-region")
    expect(region).to_have_attribute("aria-busy", "true")
    expect(page.locator(".audit-table")).to_have_css("opacity", "0.5")
    expect(page.locator("#result-summary")).to_have_text("Loading…")
    held[0].continue_()
    page.unroute(listing)
    wait_for_entries(page)
    expect(page.locator(".audit-table")).to_have_css("opacity", "1")
    assert page_errors == []


def test_one_date_format_and_the_tenant_zone_shown_with_a_switch_to_the_viewers(
    browser: Browser, tenant: Tenant, page_errors: list[str]
) -> None:
    context = browser.new_context(
        base_url=tenant.server.base_url,
        viewport=DESKTOP,
        locale="en-US",
        timezone_id="America/New_York",
    )
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    expect(page.get_by_role("row", name="Example New Group")).to_contain_text(
        re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")
    )
    open_audit_log(page)
    expect(page.locator(".day-row")).to_have_text(re.compile(r"^Today · \w+day \d{4}-\d\d-\d\d$"))
    switch = page.locator(".zone-switch")
    expect(switch).to_contain_text("Times in Europe/London (the tenant's time zone).")
    row = entry(page, "Example New Group")
    expect(row.locator("time")).to_have_attribute("title", re.compile("Europe/London"))
    switch.get_by_role("button", name="Show in my time zone (America/New_York)").click()
    wait_for_entries(page)
    expect(switch).to_contain_text("Times in America/New_York (your time zone).")
    expect(entry(page, "Example New Group").locator("time")).to_have_attribute(
        "title", re.compile("America/New_York")
    )
    page.reload()
    expect(page.locator(".zone-switch")).to_contain_text("America/New_York (your time zone)")

    page.get_by_label("Custom").check()
    expect(page.get_by_label("From")).to_have_attribute("placeholder", "YYYY-MM-DD")
    expect(page.get_by_label("From")).to_have_value(re.compile(r"^\d{4}-\d\d-\d\d$"))
    page.get_by_label("From").fill("2026-01-05")
    page.get_by_label("To", exact=True).fill("2026-01-06")
    page.get_by_label("To", exact=True).press("Enter")
    expect(page.locator("#result-summary, .empty-state h2").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"range=custom&from=2026-01-05&to=2026-01-06"))
    expect(page.get_by_label("From")).to_have_value("2026-01-05")
    context.close()
    assert page_errors == []


def test_at_390_px_the_folded_filters_are_compact_and_the_slash_hint_is_for_keyboards(
    browser: Browser, tenant: Tenant, page_errors: list[str]
) -> None:
    context = browser.new_context(
        base_url=tenant.server.base_url,
        viewport=NARROW,
        has_touch=True,
        is_mobile=True,
        device_scale_factor=1,
    )
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log"))
    wait_for_entries(page)
    search = page.get_by_label("Search", exact=True)
    assert "/" not in (search.get_attribute("placeholder") or "")
    page.get_by_role("button", name="More filters").click()
    expect(search).to_be_visible()
    box = search.locator("xpath=..").bounding_box()
    assert box is not None
    assert box["height"] < 80, box
    screenshot(page, "audit-log-narrow-more-filters")
    context.close()
    assert page_errors == []


def test_escape_collapses_a_row_and_folded_json_has_no_stray_comma(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group", "a@contoso.example")
    open_audit_log(page)
    expect(page.get_by_label("Search")).to_have_attribute("placeholder", re.compile(r"\( / \)$"))
    row = entry(page, "Example New Group")
    row.click()
    request = detail_of(row).get_by_role("region", name="Request")
    root = request.locator(".json > details > summary")
    root.click()
    expect(root).to_have_text(re.compile(r"^\{ … \} \d+ keys$"))
    page.keyboard.press("Escape")
    expect(toggle_of(row)).to_have_attribute("aria-expanded", "false")
    expect(detail_of(row)).to_be_hidden()
    expect(toggle_of(row)).to_be_focused()
    assert page_errors == []


def test_system_rows_do_not_repeat_the_badge_in_source_and_anonymous_is_one_word(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    tenant.server.cli("tasks", "run", "holiday-migration")
    page.request.get(f"/api/v1/tenants/{tenant.id}/groups")
    log_in(page, tenant.user(Role.OWNER))
    page.goto(tenant.page_url("audit-log", "?action_type=all"))
    wait_for_entries(page)
    system = page.locator("tr.entry", has=page.locator(".badge-system"))
    refresh_until_listed(page, system)
    expect(system.first.locator(".col-source")).to_have_class(re.compile("source-repeat"))
    expect(system.first.locator(".col-source .visually-hidden")).to_have_text("System")
    anonymous = page.locator("tr.entry", has=page.locator(".badge-anonymous"))
    refresh_until_listed(page, anonymous)
    expect(anonymous.first.locator(".col-who")).to_have_text("Anonymous")
    expect(anonymous.first.locator(".col-source")).to_have_text("API")
    anonymous.first.click()
    expect(detail_of(anonymous.first)).to_contain_text("WhoAnonymous")
    options = page.get_by_label("Who").locator("option").all_text_contents()
    assert "Anonymous" in options
    assert "Unauthenticated" not in options
    assert "Not authenticated" not in page.content()
    assert page_errors == []


def test_a_reader_is_told_why_there_are_no_write_buttons(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.READER))
    for slug in ("groups", "call-flows", "portal-users"):
        page.goto(tenant.page_url(slug))
        note = page.get_by_role("note")
        expect(note).to_contain_text("Read only. As a Reader")
        expect(note).not_to_contain_text("reader ")
    screenshot(page, "portal-users-reader-note")
    assert page_errors == []
