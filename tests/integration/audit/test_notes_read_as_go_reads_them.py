"""Our reader of signed checkpoints (`open_note` then `Checkpoint.parse`, what `audit verify`
and the offline verifier use) accepts exactly the notes Go's `golang.org/x/mod/sumdb/note`
accepts, through the outside judge (`tests/judges/tlog_judge`), on the cases of
`tests/note_cases.py`."""

from __future__ import annotations

from pathlib import Path

from asgi_audit.tlog.note import Checkpoint, NoteError, Verifier, open_note
from tests.go_judge import GoJudge
from tests.note_cases import CASES, NAME, ROTATED, SIGNER, body, go, write


def ours(note: str, trusted: list[Verifier]) -> bool:
    """Whether our reader accepts the note as a checkpoint; NoteError is its only refusal."""
    try:
        text, _ = open_note(note, trusted)
        Checkpoint.parse(text)
    except NoteError:
        return False
    return True


def test_our_checkpoint_reader_accepts_exactly_what_gos_note_package_accepts(
    go_judge: GoJudge, tmp_path: Path
) -> None:
    trusted = [SIGNER.verifier, ROTATED.verifier]
    verdicts = go(go_judge, write(tmp_path, CASES), [v.key for v in trusted])
    assert verdicts["a checkpoint"], "Go refuses even a well-formed checkpoint"
    disagreements = {
        case: f"Go {'accepts' if accepted else 'refuses'}, we do not"
        for case, accepted in verdicts.items()
        if ours(CASES[case], trusted) != accepted
    }
    assert disagreements == {}


def test_what_we_sign_go_accepts_and_what_go_refuses_we_do_not_sign(
    go_judge: GoJudge, tmp_path: Path
) -> None:
    texts = {
        case: body(origin=origin)
        for case, origin in [
            ("a plain origin", f"{NAME}/tenants/t/audit-log"),
            ("a non-ASCII origin", "bücher.example/log"),
            ("a tab in the origin", "audit.judge.example/\tlog"),
            ("a unit separator in the origin", "audit.judge.example/\x1flog"),
        ]
    }
    notes = {}
    for case, text in texts.items():
        try:
            notes[case] = SIGNER.sign(text)
        except NoteError:
            continue
    verdicts = go(go_judge, write(tmp_path, notes), [SIGNER.verifier.key])
    assert sorted(notes) == ["a non-ASCII origin", "a plain origin"]
    assert all(verdicts.values()), verdicts
