"""Offline verification of a JSON Lines export: no database, no network, one verifier key.

The file's last line is its trailer, `{"checkpoint": <signed note>, "tree_size": N, "range":
{"start": A, "end": B} | null}`; every other line is an entry (bodies included; exports made
before they were carried left them null) plus `leaf` (base64 of its leaf bytes) and
`inclusion_path` (base64 hashes up to the checkpoint's root). Checked: the checkpoint's
signature; each line's leaf included in the checkpoint's tree at its `seq`; each field the line
shows equal to the one its leaf committed to (a null body is not compared); and for an export
of a `seq` range, every place of the range present once. A place retention pruned is a line
with its leaf's `hash` only (`"leaf": null`): it counts as pruned when its entry id's instant is
before the trailer's `pruned_before` and the hash is in the tree at its seq; any other
hash-only line is a missing entry.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from asgi_audit.events import occurred_at_of
from asgi_audit.tlog.findings import Problem, Report
from asgi_audit.tlog.merkle import leaf_hash, root_from_inclusion
from asgi_audit.tlog.note import Checkpoint, NoteError, Verifier, open_note

PROOF_FIELDS = ("leaf", "inclusion_path")
"""What a line adds to the list item."""


class _Trailer:
    def __init__(self, data: Any) -> None:
        if not isinstance(data, dict) or "checkpoint" not in data:
            raise ValueError("the export's last line is not its trailer")
        self.note: str | None = data["checkpoint"]
        self.size: int = data.get("tree_size") or 0
        span = data.get("range")
        self.range: tuple[int, int] | None = (
            (int(span["start"]), int(span["end"])) if isinstance(span, dict) else None
        )
        mark = data.get("pruned_before")
        self.pruned_before: datetime | None = (
            datetime.fromisoformat(mark) if isinstance(mark, str) else None
        )


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        for line in file:
            if line.strip():
                yield line


def verify_export(path: Path, verifier: Verifier) -> Report:
    """Verify the export at `path` with `verifier`. The file is read twice, streaming: once
    for its trailer (the last line), then line by line."""
    report = Report()
    last: bytes | None = None
    for last in _lines(path):  # noqa: B007 - only the last line is wanted
        pass
    if last is None:
        report.add(Problem.MISSING, "the export is empty (it has no trailer)")
        return report
    try:
        trailer = _Trailer(orjson.loads(last))
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError) as exc:
        report.add(Problem.MISSING, f"no trailer: {exc}")
        return report
    root = _open(trailer, verifier, report)
    seen = _Places(trailer.range)
    for number, raw in enumerate(_lines(path), start=1):
        if raw is last or raw == last:
            break
        _check_line(number, raw, trailer, root, report, seen)
        report.size += 1
    seen.report(report)
    return report


def _open(trailer: _Trailer, verifier: Verifier, report: Report) -> bytes | None:
    if trailer.note is None:
        if trailer.size:
            report.add(Problem.BAD_SIGNATURE, "the trailer has a tree size but no checkpoint")
        return None
    try:
        text, _ = open_note(trailer.note, [verifier])
        checkpoint = Checkpoint.parse(text)
    except NoteError as exc:
        report.add(Problem.BAD_SIGNATURE, str(exc), checkpoint=trailer.size)
        return None
    report.checkpoints = 1
    if checkpoint.size != trailer.size:
        detail = f"the trailer says tree size {trailer.size}, its checkpoint {checkpoint.size}"
        report.add(Problem.ALTERED, detail, checkpoint=checkpoint.size)
        return None
    return checkpoint.root


def _check_line(
    number: int, raw: bytes, trailer: _Trailer, root: bytes | None, report: Report, seen: _Places
) -> None:
    size = trailer.size
    try:
        line = orjson.loads(raw)
        seq = line.get("seq")
        entry = line.get("id")
    except (orjson.JSONDecodeError, AttributeError):
        report.add(Problem.ALTERED, f"line {number} is not a JSON object")
        return
    subject: dict[str, Any] = {"seq": seq}
    if seq is None:
        return  # pending: not in the log yet, nothing to prove
    seen.add(seq)
    if root is None or seq >= size:
        return  # not covered by the checkpoint (checked for ranges by `_Places`)
    if line.get("leaf") is None and "hash" in line:
        _check_hash_only(number, line, trailer, root, report)
        return
    try:
        leaf = base64.b64decode(line["leaf"], validate=True)
        path = [base64.b64decode(h, validate=True) for h in line["inclusion_path"]]
    except (KeyError, TypeError, binascii.Error):
        report.add(Problem.NOT_INCLUDED, f"line {number} ({entry}) has no leaf or path", **subject)
        return
    try:
        included = root_from_inclusion(seq, size, leaf_hash(leaf), path) == root
    except ValueError:
        included = False
    if not included:
        detail = f"line {number} ({entry}): its leaf is not in the checkpoint's tree at its seq"
        report.add(Problem.NOT_INCLUDED, detail, **subject)
        return
    committed = orjson.loads(leaf)
    differing = [
        key
        for key, value in line.items()
        if key not in PROOF_FIELDS and not _same(value, committed.get(key, _ABSENT))
    ]
    if differing:
        detail = f"line {number} ({entry}) differs from its leaf in {', '.join(sorted(differing))}"
        report.add(Problem.ALTERED, detail, **subject)


def _check_hash_only(
    number: int, line: dict[str, Any], trailer: _Trailer, root: bytes, report: Report
) -> None:
    """A place whose entry is gone: pruned if its entry occurred before the trailer's
    retention mark and its hash is in the tree at its seq; missing otherwise."""
    seq = line["seq"]
    try:
        digest = base64.b64decode(line["hash"], validate=True)
        path = [base64.b64decode(h, validate=True) for h in line["inclusion_path"]]
        entry_id = uuid.UUID(str(line["entry_id"]))
    except (KeyError, TypeError, ValueError, binascii.Error):
        report.add(Problem.NOT_INCLUDED, f"line {number} has no hash, id or path", seq=seq)
        return
    occurred_at = occurred_at_of(entry_id)
    mark = trailer.pruned_before
    if mark is None or occurred_at is None or occurred_at >= mark:
        detail = f"line {number} ({entry_id}): its entry is gone, and retention did not prune it"
        report.add(Problem.MISSING, detail, seq=seq, entry_id=entry_id)
        return
    try:
        included = root_from_inclusion(seq, trailer.size, digest, path) == root
    except ValueError:
        included = False
    if not included:
        detail = f"line {number} ({entry_id}): its hash is not in the checkpoint's tree at its seq"
        report.add(Problem.NOT_INCLUDED, detail, seq=seq)
        return
    report.pruned += 1


_ABSENT = object()


def _same(shown: Any, committed: Any) -> bool:
    """A line's field equals its leaf's; a body the line leaves out (null) is not compared."""
    if shown is None and isinstance(committed, dict) and "size" in committed:
        return True
    if _number(shown) and _number(committed):
        return bool(shown == committed)  # the database may spell 12.0 as 12
    if isinstance(shown, dict) and isinstance(committed, dict):
        keys = shown.keys() | committed.keys()
        return all(_same(shown.get(k), committed.get(k, _ABSENT)) for k in keys)
    return bool(shown == committed) and type(shown) is type(committed)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Places:
    """Which seqs of an exported range appeared, one bit each."""

    def __init__(self, span: tuple[int, int] | None) -> None:
        self.span = span
        self.bits = bytearray(max(0, span[1] - span[0])) if span else bytearray()
        self.twice: list[int] = []
        self.outside: list[int] = []

    def add(self, seq: int) -> None:
        if self.span is None:
            return
        start, end = self.span
        if not start <= seq < end:
            self.outside.append(seq)
        elif self.bits[seq - start]:
            self.twice.append(seq)
        else:
            self.bits[seq - start] = 1

    def report(self, report: Report) -> None:
        if self.span is None:
            return
        start = self.span[0]
        for seq in self.twice:
            report.add(Problem.INSERTED, "this place of the range appears more than once", seq=seq)
        for seq in self.outside:
            report.add(Problem.INSERTED, f"outside the exported range {self.span}", seq=seq)
        for offset, present in enumerate(self.bits):
            if not present:
                report.add(
                    Problem.MISSING,
                    "this place of the range is not in the export",
                    seq=start + offset,
                )
