"""The Verified mark in a real browser: each expanded entry is checked in the page (WebCrypto)
against the published keys and the tenant's signed checkpoint; tampering and pending show."""

from __future__ import annotations

import base64
import json
import re
import uuid
from contextlib import suppress
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import text, update

from asgi_audit.store import guards, tables
from asgi_audit.tlog.note import Checkpoint, Signer, Verifier, open_note
from callmanager.auth.principal import Role
from tests.browser import rfc9162
from tests.browser.conftest import AUDIT_ORIGIN, LiveServer, Tenant, log_in, screenshot
from tests.browser.test_audit_log import create_group, detail_of, entry, open_audit_log

pytestmark = pytest.mark.browser


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def stored_entry(page: Page, tenant: Tenant, row: Locator) -> dict[str, Any]:
    """The row's entry as the API gives it, once it has its place (seq) in the log."""
    entry_id = row.get_attribute("data-entry-id")
    for _ in range(50):
        found: dict[str, Any] = page.request.get(
            f"/api/v1/tenants/{tenant.id}/audit-log/{entry_id}"
        ).json()
        if found["seq"] is not None:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"entry {entry_id} never got its seq")


def mark_of(row: Locator) -> Locator:
    return detail_of(row).locator(".verify-mark")


def tamper_summary(server: LiveServer, entry_id: str, summary: str) -> None:
    """What an attacker with the database does: drop the guards, edit, put the guards back."""
    with server.services.engine.begin() as conn:
        dialect = conn.dialect.name
        for statement in guards.drop_statements(dialect):
            conn.execute(text(statement))
        changed = conn.execute(
            update(tables.entries).where(tables.c.id == uuid.UUID(entry_id)).values(summary=summary)
        )
        assert changed.rowcount == 1
        for statement in guards.guard_statements(dialect):
            conn.execute(text(statement))


def test_an_entry_shows_its_seq_and_verified_once_a_checkpoint_covers_it(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Example New Group")
    open_audit_log(page)
    row = entry(page, "Example New Group")
    seq = stored_entry(page, tenant, row)["seq"]
    size = tenant.sign_log(covering=seq + 1)

    row.click()
    detail = detail_of(row)
    expect(detail.locator(".entry-seq")).to_have_text(str(seq))
    mark = mark_of(row)
    expect(mark).to_have_attribute("data-verify", "verified")
    badge = mark.locator(".badge-success")
    expect(badge).to_have_text("Verified")
    expect(badge).to_have_attribute("title", re.compile(rf"{AUDIT_ORIGIN}.* of {size} entries"))
    expect(mark).to_contain_text(f"Signed by {AUDIT_ORIGIN} · leaf {seq} of a tree of {size}")
    screenshot(page, "audit-log-verified")
    assert page_errors == []


def test_an_entry_altered_in_the_database_shows_verification_failed_with_the_reason(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Honest Group")
    open_audit_log(page)
    row = entry(page, "Honest Group")
    found = stored_entry(page, tenant, row)
    tenant.sign_log(covering=found["seq"] + 1)
    tamper_summary(tenant.server, found["id"], "Created group 'Forged Group'")

    page.reload()
    row = entry(page, "Forged Group")
    row.click()
    mark = mark_of(row)
    expect(mark).to_have_attribute("data-verify", "failed")
    expect(mark.locator(".badge-danger")).to_have_text("Verification failed")
    expect(mark.locator(".verify-reason")).to_have_text(re.compile(r"^[A-Z].+\.$"))
    reason = mark.locator(".verify-reason").text_content() or ""
    assert "summary" in reason or f"seq {found['seq']}" in reason, reason
    screenshot(page, "audit-log-verification-failed")
    assert page_errors == []


def test_an_entry_no_checkpoint_covers_yet_shows_pending_then_verified(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    # The tenant's first checkpoint, signed now: the server signs the next one in an hour.
    tenant.sign_log()
    create_group(page, "Awaiting Group")
    open_audit_log(page)
    row = entry(page, "Awaiting Group")
    seq = stored_entry(page, tenant, row)["seq"]

    row.click()
    mark = mark_of(row)
    expect(mark).to_have_attribute("data-verify", "pending")
    expect(mark).to_contain_text(re.compile(r"Pending \(next checkpoint within \d+ s\)"))
    screenshot(page, "audit-log-pending")

    tenant.sign_log(covering=seq + 1)
    with suppress(PlaywrightTimeoutError):  # unless the page already checked again by itself
        mark.get_by_role("button", name="Check again").click(timeout=2000)
    expect(mark).to_have_attribute("data-verify", "verified", timeout=15_000)
    assert page_errors == []


def test_the_audit_log_offers_the_latest_checkpoint_and_a_verifiable_export(
    page: Page, tenant: Tenant, page_errors: list[str]
) -> None:
    log_in(page, tenant.user(Role.OWNER))
    create_group(page, "Exported Group")
    open_audit_log(page)
    seq = stored_entry(page, tenant, entry(page, "Exported Group"))["seq"]
    size = tenant.sign_log(covering=seq + 1)
    panel = page.get_by_role("region", name="Verify offline")
    expect(panel).to_contain_text("callmanager audit verify --offline FILE --key VERIFIER_KEY")
    keys = page.request.get("/api/v1/audit-log/keys").json()["keys"]
    trusted = [Verifier.parse(key["verifier_key"]) for key in keys]

    with page.expect_download() as checkpoint_download:
        panel.get_by_role("link", name="Download latest checkpoint").click()
    note = checkpoint_download.value.path().read_text()
    checkpoint = Checkpoint.parse(open_note(note, trusted)[0])
    assert checkpoint.origin == f"{AUDIT_ORIGIN}/tenants/{tenant.id}/audit-log"
    assert checkpoint.size >= size

    with page.expect_download() as export_download:
        panel.get_by_role("link", name="Download verifiable export").click()
    *lines, trailer = [
        json.loads(line) for line in export_download.value.path().read_text().splitlines()
    ]
    assert open_note(trailer["checkpoint"], trusted)
    assert "Created group 'Exported Group'" in [line["summary"] for line in lines]
    assert all("leaf" in line and "seq" in line for line in lines)
    assert page_errors == []


def test_the_browser_verifier_agrees_with_rfc_9162_and_c2sp_and_refuses_what_they_refuse(
    page: Page, live_server: LiveServer
) -> None:
    """tlog.js in Chromium against RFC 9162's definitions (every leaf of trees of 1 to 17
    leaves) and against signed notes made by the server's signer."""
    cases = []
    for size in range(1, 18):
        leaves = [f"leaf {i} of {size}".encode() for i in range(size)]
        root = b64(rfc9162.mth(leaves))
        for index in range(size):
            path = [b64(h) for h in rfc9162.path(index, leaves)]
            cases.append({"index": index, "size": size, "leaf": b64(leaves[index]), "path": path})
            cases[-1]["root"] = root
    signer = Signer.generate("example.test")
    while "+" not in signer.verifier.key.split("+", 2)[2]:  # base64 with "+" is read too
        signer = Signer.generate("example.test")
    other = Signer.generate("example.test")
    note = signer.sign(Checkpoint("example.test/log", 7, bytes(range(32))).text())
    page.goto(live_server.url("/login"))
    results = page.evaluate(
        """async ({ cases, key, note, otherNote }) => {
          const t = await import("/static/js/tlog.js");
          const bytes = (list) => list.map((p) => t.fromBase64(p));
          const rootOf = async (c, path) => t.rootFromInclusion(c.index, c.size,
            await t.leafHash(t.fromBase64(c.leaf)), path);
          const reason = (promise) => promise.then(() => "accepted", (e) => e.message);
          const keys = [await t.parseVerifierKey(key)];
          const out = { included: 0, flipped: 0, shortened: 0 };
          for (const c of cases) {
            const path = bytes(c.path);
            if (t.equalBytes(await rootOf(c, path), t.fromBase64(c.root))) out.included++;
            if (path.length) {
              path[0][0] ^= 1;
              if (!t.equalBytes(await rootOf(c, path), t.fromBase64(c.root))) out.flipped++;
              if ((await reason(rootOf(c, path.slice(1)))).includes("shorter")) out.shortened++;
            }
          }
          const opened = await t.openNote(note, keys);
          out.checkpoint = t.parseCheckpoint(opened.text);
          out.checkpoint.root = [...out.checkpoint.root];
          out.altered = await reason(t.openNote(note.replace("\\n7\\n", "\\n8\\n"), keys));
          out.unknown = await reason(t.openNote(otherNote, keys));
          const wrongId = key.replace(/\\+[0-9a-f]{8}\\+/, "+00000000+");
          out.badId = await reason(t.parseVerifierKey(wrongId));
          return out;
        }""",
        {
            "cases": cases,
            "key": signer.verifier.key,
            "note": note,
            "otherNote": other.sign("example.test/log\n7\n" + b64(bytes(32)) + "\n"),
        },
    )
    with_path = sum(1 for case in cases if case["path"])
    assert results["included"] == len(cases)
    assert results["flipped"] == with_path
    assert results["shortened"] == with_path
    assert results["checkpoint"] == {
        "origin": "example.test/log",
        "size": 7,
        "root": list(range(32)),
    }
    assert results["altered"] == "the checkpoint's signature by example.test does not verify"
    assert results["unknown"] == "the checkpoint is signed by example.test, not by a published key"
    assert results["badId"] == "the key id of example.test does not match its name and key"
