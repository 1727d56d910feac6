"""The test clock: `pytest --fake-now=INSTANT` runs the tests as if it were that instant.

The test process travels there (time-machine, ticking), and so do the servers and command lines
the tests start (`python_command` runs them through this module, which travels first) and the
browser pages (`install_in_browser`), all on one clock: each is the real clock plus one offset.

Run as `python -m tests.clock OFFSET_S MODULE ARGS...`, it travels OFFSET_S seconds from the real
clock and then runs `python -m MODULE ARGS...` in the same process.
"""

from __future__ import annotations

import argparse
import runpy
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import time_machine

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

OPTION = "--fake-now"

_offset_s: float | None = None
"""How far the test process has travelled from the real clock, in seconds (None: it has not)."""


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant; with an offset (`Z`, `+01:00`): without one the instant is ambiguous."""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs an offset, e.g. 2026-11-28T15:00:00Z")
    return instant


def travel_to(instant: datetime) -> None:
    """Move this process's clock to `instant` for the rest of its life; it ticks on from there."""
    global _offset_s
    _offset_s = instant.timestamp() - time.time()
    time_machine.travel(instant, tick=True).start()


def python_command(module: str, *args: str) -> list[str]:
    """The command line running `python -m MODULE ARGS` on the test clock."""
    if _offset_s is None:
        return [sys.executable, "-m", module, *args]
    return [sys.executable, "-m", __name__, repr(_offset_s), module, *args]


def install_in_browser(context: BrowserContext) -> None:
    """Give the context's pages the test clock (their timers keep running in real time)."""
    if _offset_s is not None:
        context.clock.install(time=datetime.now(UTC))


def _main() -> None:
    offset_s, module, *args = sys.argv[1:]
    time_machine.travel(time.time() + float(offset_s), tick=True).start()
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _main()
