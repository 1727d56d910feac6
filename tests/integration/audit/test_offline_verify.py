"""An export verifies alone, with only the verifier key: its checkpoint's signature, each line
included in it, each line's fields equal to its leaf's, and a whole `seq` range present once."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from asgi_audit import SqlAuditStore
from asgi_audit.tlog.findings import Problem, Report
from asgi_audit.tlog.note import Signer, Verifier
from asgi_audit.tlog.verify_export import verify_export
from callmanager.cli import main
from tests.integration.audit.signed_log import SignedLog, export_lines


@pytest.fixture
def log(sqlite_database_url: str) -> Iterator[SignedLog]:
    store = SqlAuditStore.from_url(sqlite_database_url)
    signed = SignedLog(store)
    signed.grow([12, 30])
    yield signed
    store.close()


def check(lines: list[bytes], tmp_path: Path, key: Verifier) -> Report:
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return verify_export(path, key)


def named(report: Report) -> list[tuple[Problem, int | None]]:
    return [(f.problem, f.seq) for f in report.findings]


def edit(line: bytes, **changes: object) -> bytes:
    return orjson.dumps(orjson.loads(line) | changes)


def test_a_whole_export_verifies_and_the_cli_says_so(
    log: SignedLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = check(export_lines(log), tmp_path, log.signer.verifier)
    assert (report.ok, report.size, report.checkpoints) == (True, 30, 1)
    key = log.signer.verifier.key
    assert main(["audit", "verify", "--offline", str(tmp_path / "export.jsonl"), "--key", key]) == 0
    assert "30 lines, 1 checkpoints: verified" in capsys.readouterr().out


def test_a_line_whose_summary_was_changed_is_named_altered(
    log: SignedLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = export_lines(log)
    lines[4] = edit(lines[4], summary="Nothing to see")
    assert named(check(lines, tmp_path, log.signer.verifier)) == [(Problem.ALTERED, 4)]
    key = log.signer.verifier.key
    assert main(["audit", "verify", "--offline", str(tmp_path / "export.jsonl"), "--key", key]) == 1
    assert "entry seq 4: altered: line 5" in capsys.readouterr().out


def test_a_line_with_a_leaf_forged_to_match_it_is_named_not_included(
    log: SignedLog, tmp_path: Path
) -> None:
    lines = export_lines(log)
    line = orjson.loads(lines[20])
    leaf = orjson.loads(base64.b64decode(line["leaf"])) | {"summary": "Nothing"}
    forged = base64.b64encode(orjson.dumps(leaf, option=orjson.OPT_SORT_KEYS)).decode()
    lines[20] = edit(lines[20], summary="Nothing", leaf=forged)
    assert named(check(lines, tmp_path, log.signer.verifier)) == [(Problem.NOT_INCLUDED, 20)]


def test_an_export_checked_with_another_key_is_named_bad_signature(
    log: SignedLog, tmp_path: Path
) -> None:
    other = Signer.generate(log.signer.name).verifier
    assert named(check(export_lines(log), tmp_path, other)) == [(Problem.BAD_SIGNATURE, None)]


def test_a_range_export_missing_or_repeating_a_place_is_named(
    log: SignedLog, tmp_path: Path
) -> None:
    lines = export_lines(log, 5, 15)
    assert check(lines, tmp_path, log.signer.verifier).ok
    dropped = [line for i, line in enumerate(lines) if i != 3]
    assert named(check(dropped, tmp_path, log.signer.verifier)) == [(Problem.MISSING, 8)]
    repeated = [*lines[:4], lines[3], *lines[4:]]
    assert named(check(repeated, tmp_path, log.signer.verifier)) == [(Problem.INSERTED, 8)]


def test_lines_not_yet_in_the_log_are_not_failures(log: SignedLog, tmp_path: Path) -> None:
    lines = export_lines(log)
    pending = orjson.loads(lines[0]) | {"seq": None, "leaf": None, "inclusion_path": None}
    assert check([orjson.dumps(pending), *lines], tmp_path, log.signer.verifier).ok
