"""Signed notes for comparing checkpoint readers with Go's `sumdb/note` (through the outside
judge, `tests/go_judge.py`): well-formed ones and the edge cases the C2SP signed-note and
tlog-checkpoint texts name — control characters, sizes that are not ASCII decimals, unknown and
malformed signature lines, a bad signature by a trusted key. Each is signed here, byte by byte,
so that any text can be."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from asgi_audit.tlog.note import Signer
from tests.go_judge import GoJudge

NAME = "audit.judge.example"
ROOT = base64.b64encode(bytes([0xFB] * 32)).decode()  # "+/v7…": both non-alphanumeric digits
URLSAFE_ROOT = ROOT.replace("+", "-").replace("/", "_")

SIGNER = Signer.generate(NAME)
ROTATED = Signer.generate(NAME)
"""Another trusted key, as after a rotation."""
STRANGER = Signer.generate("stranger.example")


def signature_line(signer: Signer, text: str, corrupt: bool = False) -> str:
    """`— <name> base64(key id ‖ Ed25519 signature)`, made here so any text can be signed."""
    signature = Ed25519PrivateKey.from_private_bytes(signer.seed).sign(text.encode())
    if corrupt:
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    encoded = base64.b64encode(signer.verifier.key_id + signature).decode()
    return f"\u2014 {signer.name} {encoded}\n"


def signed(text: str, *lines: str) -> str:
    return text + "\n" + "".join(lines or (signature_line(SIGNER, text),))


def body(origin: str = f"{NAME}/tenants/t/audit-log", size: str = "9", root: str = ROOT) -> str:
    return f"{origin}\n{size}\n{root}\n"


GOOD = body()

CASES: dict[str, str] = {
    "a checkpoint": signed(GOOD),
    "an extension line": signed(GOOD + "timestamp 1700000000\n"),
    "a non-ASCII origin": signed(body(origin="bücher.example/log")),
    "a size of 0": signed(body(size="0")),
    "a tab in the origin": signed(body(origin="audit.judge.example/\tlog")),
    "a carriage return in the origin": signed(body(origin="audit.judge.example/log\r")),
    "an escape character in an extension line": signed(GOOD + "colour \x1b[31m\n"),
    "a size with a leading zero": signed(body(size="09")),
    "a size with a sign": signed(body(size="+9")),
    "a negative size": signed(body(size="-1")),
    "a size in Arabic-Indic digits": signed(body(size="\u0669")),
    "a size in superscript digits": signed(body(size="\u00b2")),
    "a size in full-width digits": signed(body(size="\uff19")),
    "a root of 31 bytes": signed(body(root=base64.b64encode(bytes(31)).decode())),
    "a root without padding": signed(body(root=ROOT.rstrip("="))),
    "a root in the URL-safe alphabet": signed(body(root=URLSAFE_ROOT)),
    "an empty origin": signed(body(origin="")),
    "an empty extension line": signed(GOOD + "\nlate\n"),
    "only a size and root": signed("9\n" + ROOT + "\n"),
    "an unknown key's signature first": signed(
        GOOD, signature_line(STRANGER, GOOD), signature_line(SIGNER, GOOD)
    ),
    "the same signature twice": signed(
        GOOD, signature_line(SIGNER, GOOD), signature_line(SIGNER, GOOD)
    ),
    "only an unknown key's signature": signed(GOOD, signature_line(STRANGER, GOOD)),
    "a signature over other text": signed(GOOD, signature_line(SIGNER, body(size="10"))),
    "a bad signature by the trusted key": signed(GOOD, signature_line(SIGNER, GOOD, True)),
    "a good signature, then a bad one by another trusted key": signed(
        GOOD, signature_line(SIGNER, GOOD), signature_line(ROTATED, GOOD, True)
    ),
    "a bad signature by another trusted key, then a good one": signed(
        GOOD, signature_line(ROTATED, GOOD, True), signature_line(SIGNER, GOOD)
    ),
    "a signature line whose name holds a space": signed(
        GOOD, signature_line(SIGNER, GOOD), "\u2014 some one AAAAAAAAAAAA\n"
    ),
    "a signature line whose name holds a plus": signed(
        GOOD, signature_line(SIGNER, GOOD), "\u2014 some+one AAAAAAAAAAAA\n"
    ),
    "an unknown key's longer signature (a witness's cosignature)": signed(
        GOOD,
        signature_line(SIGNER, GOOD),
        f"\u2014 witness.example/w1 {base64.b64encode(bytes(range(76))).decode()}\n",
    ),
    "a signature line of four bytes": signed(
        GOOD, signature_line(SIGNER, GOOD), f"\u2014 {NAME} AAAAAA==\n"
    ),
    "a signature line without a dash": signed(GOOD, signature_line(SIGNER, GOOD)[2:]),
    "no newline after the signatures": signed(GOOD).rstrip("\n"),
    "no blank line before the signatures": GOOD + signature_line(SIGNER, GOOD),
    "101 signatures": signed(
        GOOD, *[signature_line(STRANGER, GOOD)] * 100, signature_line(SIGNER, GOOD)
    ),
}


def write(directory: Path, notes: dict[str, str]) -> dict[str, Path]:
    """Each note in a file of its own, by case."""
    files = {}
    for n, (case, note) in enumerate(notes.items()):
        files[case] = directory / f"note-{n}.txt"
        files[case].write_bytes(note.encode())
    return files


def go(go_judge: GoJudge, files: dict[str, Path], keys: list[str]) -> dict[str, bool]:
    """Go's verdict on each file, from one run of the judge."""
    args = [arg for key in keys for arg in ("-key", key)]
    verdict = go_judge.run("checkpoint", *args, *files.values())
    assert verdict.returncode in (0, 1), verdict.err
    return {
        case: f"ok checkpoint {path}:" in verdict.out
        and f"FAIL checkpoint {path}:" not in verdict.err
        for case, path in files.items()
    }
