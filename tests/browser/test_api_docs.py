"""The API docs in a real browser: Swagger UI renders the document with no request leaving the
server and nothing refused by the page's Content Security Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import WAIT_MS, LiveServer

pytestmark = pytest.mark.browser


def test_the_api_docs_render_offline_under_their_csp(
    page: Page, live_server: LiveServer, page_errors: list[str]
) -> None:
    requested: list[str] = []
    console: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: console.append(_text(message)))
    page.route(
        lambda url: not url.startswith(live_server.base_url),
        lambda route, _request: route.abort(),
    )

    page.goto("/docs")

    # Swagger UI lays out the whole document in one go: the slowest page of the suite.
    title = page.locator(".swagger-ui .info .title")
    expect(title).to_contain_text("Call Manager", timeout=3 * WAIT_MS)
    expect(page.get_by_text("/api/v1/auth/login", exact=True)).to_be_visible()
    assert requested
    assert [url for url in requested if not url.startswith(live_server.base_url)] == []
    assert [m for m in console if "Content Security Policy" in m] == []
    assert page_errors == []


def _text(message: ConsoleMessage) -> str:
    return f"{message.type}: {message.text}"
