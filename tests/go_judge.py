"""The outside judge of the log's formats: `tests/judges/tlog_judge`, a Go program that verifies
what the server serves with Go's reference implementations, `golang.org/x/mod/sumdb/note`
(signed notes, verifier keys) and `golang.org/x/mod/sumdb/tlog` (RFC 6962 record hashes,
inclusion and consistency proofs, tree hashes). Built once per test session with Debian's
`golang-go` and `golang-golang-x-mod-dev`, offline, in GOPATH mode."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).parent / "judges" / "tlog_judge"
GOPATH = "/usr/share/gocode"
"""Where Debian's golang-golang-x-mod-dev puts the library's sources."""
LIBRARY = Path(GOPATH) / "src" / "golang.org" / "x" / "mod" / "sumdb"
REQUIRE = "CALLMANAGER_REQUIRE_GO_JUDGE"


class Unavailable(Exception):
    """Go or the library is not installed: the judge cannot be built."""


def build(directory: Path) -> Path:
    """Compile the judge into `directory`; `Unavailable` if Go or the library is missing."""
    go = shutil.which("go")
    if go is None:
        raise Unavailable("the Go judge needs `go` (Debian package golang-go)")
    if not (LIBRARY / "note").is_dir() or not (LIBRARY / "tlog").is_dir():
        raise Unavailable(f"the Go judge needs {LIBRARY} (Debian package golang-golang-x-mod-dev)")
    binary = directory / "tlog_judge"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GOPATH,
        "GOCACHE": str(directory / "go-cache"),
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
    }
    done = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=SOURCE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"building the Go judge failed:\n{done.stdout}{done.stderr}")
    return binary


@dataclass(frozen=True)
class Verdict:
    returncode: int
    out: str
    err: str


@dataclass(frozen=True)
class GoJudge:
    binary: Path

    def run(self, command: str, *args: str | Path) -> Verdict:
        done = subprocess.run(
            [str(self.binary), command, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Verdict(done.returncode, done.stdout, done.stderr)

    def accepts(self, command: str, *args: str | Path) -> str:
        """What the judge printed, asserting it accepted everything."""
        verdict = self.run(command, *args)
        assert verdict.returncode == 0, verdict.err + verdict.out
        assert verdict.err == "", verdict.err
        return verdict.out

    def rejects(self, command: str, *args: str | Path) -> str:
        """Why the judge refused, asserting it refused (exit 1, not a usage error)."""
        verdict = self.run(command, *args)
        assert verdict.returncode == 1, (verdict.returncode, verdict.out, verdict.err)
        assert "FAIL" in verdict.err, verdict.err
        return verdict.err


def judge_or_skip(directory: Path) -> GoJudge:
    """The judge built in `directory`; the test skips without Go or the library, or fails when
    CALLMANAGER_REQUIRE_GO_JUDGE is set (as in CI)."""
    try:
        return GoJudge(build(directory))
    except Unavailable as exc:
        if os.environ.get(REQUIRE):
            pytest.fail(f"{exc}; {REQUIRE} is set")
        pytest.skip(str(exc))
