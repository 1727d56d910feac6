"""The browser tests' clock: the tests, the server they started and its pages read the same time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.clock

CLOSE = timedelta(minutes=1)
"""Far closer than any --fake-now is to the real clock, far looser than the time a request takes."""


def test_the_server_and_the_page_read_the_same_clock_as_the_tests(
    page: Page, live_server: LiveServer
) -> None:
    """Under --fake-now, all three are at the fake instant (otherwise all at the real one)."""
    served = parsedate_to_datetime(httpx.get(live_server.url("/login")).headers["date"])
    page.goto("/login")
    in_page = datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, UTC)
    now = datetime.now(UTC)
    assert abs(served - now) < CLOSE
    assert abs(in_page - now) < CLOSE
