"""Long commands show progress on a terminal and none when piped: `tasks run`, `demo seed`.

Not among the clock instants' tests (the Makefile's CLOCK_TESTS): seeding the demo takes a while
and nothing here depends on the day."""

from __future__ import annotations

from pathlib import Path

import pytest

from callmanager.cli import main
from tests.factories import make_tenant
from tests.integration.test_cli_tasks_partner import services_of, var_dir
from tests.terminal import on_a_terminal

__all__ = ["var_dir"]  # the fixture, shared


def test_on_a_terminal_a_task_shows_its_progress_over_tenants_and_piped_it_shows_none(
    var_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = services_of(var_dir)
    make_tenant(services, "Contoso")
    services.engine.dispose()

    assert b"audit-retention: tenants" in on_a_terminal(["tasks", "run", "audit-retention"])
    assert main(["tasks", "run", "audit-retention"]) == 0
    piped = capsys.readouterr()
    assert "audit-retention: checked 1 tenants" in piped.out
    assert "audit-retention: tenants" not in piped.err
    assert "━" not in piped.err  # no bar drawn


def test_on_a_terminal_seeding_the_demo_shows_its_progress(var_dir: Path) -> None:
    assert b"seeding the demo tenant" in on_a_terminal(["demo", "seed"])
