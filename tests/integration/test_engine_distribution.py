"""The audit engine is installable alone: built from packages/asgi-audit into a clean virtual
environment with only its own dependencies, it passes its own test suite there."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PACKAGE = Path(__file__).parents[2] / "packages" / "asgi-audit"


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


def test_the_engine_installs_alone_and_passes_its_own_tests(tmp_path: Path) -> None:
    source = tmp_path / "asgi-audit"  # a copy: building it leaves nothing in the repository
    ignore = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache")
    shutil.copytree(PACKAGE, source, ignore=ignore)
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", f"{source}[test]", cwd=tmp_path)

    installed = run(python, "-m", "pip", "list", "--format=freeze", cwd=tmp_path).lower()
    assert "asgi-audit==" in installed
    for foreign in ("callmanager", "fastapi", "holidays", "pydantic"):
        assert f"\n{foreign}==" not in f"\n{installed}", foreign

    tests = source / "tests"
    out = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", tests, cwd=tmp_path)
    assert " passed" in out
    assert sys.executable != str(python)
