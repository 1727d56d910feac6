"""The browser's checkpoint reader (`tlog.js`: `openNote` then `parseCheckpoint`, behind the
Audit Log's Verified mark) accepts exactly the notes Go's `golang.org/x/mod/sumdb/note` accepts,
through the outside judge (`tests/judges/tlog_judge`), on the cases of `tests/note_cases.py`."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.browser.conftest import LiveServer
from tests.go_judge import GoJudge
from tests.note_cases import CASES, ROTATED, SIGNER, go, write


def test_the_browser_reads_a_checkpoint_exactly_when_gos_note_package_does(
    go_judge: GoJudge, page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    keys = [SIGNER.verifier.key, ROTATED.verifier.key]
    verdicts = go(go_judge, write(tmp_path, CASES), keys)
    page.goto(live_server.url("/login"))
    browser: dict[str, bool | str] = page.evaluate(
        """async ({ cases, keys }) => {
          const t = await import("/static/js/tlog.js");
          const trusted = await Promise.all(keys.map((k) => t.parseVerifierKey(k)));
          const out = {};
          for (const [name, note] of Object.entries(cases)) {
            try {
              const { text } = await t.openNote(note, trusted);
              t.parseCheckpoint(text);
              out[name] = true;
            } catch (e) {
              out[name] = e instanceof t.VerifyError ? false : `crashed: ${e}`;
            }
          }
          return out;
        }""",
        {"cases": CASES, "keys": keys},
    )
    assert verdicts["a checkpoint"], "Go refuses even a well-formed checkpoint"
    disagreements = {
        case: f"Go {'accepts' if accepted else 'refuses'}, the browser: {browser[case]}"
        for case, accepted in verdicts.items()
        if browser[case] is not accepted
    }
    assert disagreements == {}
