"""Where browser tests live: everything under tests/browser, and nothing outside it.

`make test` collects only tests/browser for its browser runs, so a test marked `browser`
elsewhere would run nowhere; collection refuses one instead."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).parent / "browser"


def mark_browser_tests(items: Iterable[pytest.Item]) -> None:
    """Mark every test under tests/browser `browser`; fail on a `browser` test outside it."""
    strays = []
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)
        elif item.get_closest_marker("browser") is not None:
            strays.append(item.nodeid)
    if strays:
        raise pytest.UsageError(
            f"browser tests must live under {BROWSER_DIR} (make test runs only that folder's "
            f"in a browser run): {', '.join(strays)}"
        )
