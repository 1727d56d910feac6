"""/docs: Swagger UI from assets installed with the package, under the UI's strict CSP; a
setting turns it off."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from callmanager.app import create_app
from tests.conftest import make_settings


def test_the_api_docs_load_every_script_and_style_from_this_server(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe" not in policy
    assert "<script>" not in page.text  # no inline code: the CSP would refuse it

    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith(".js") for a in assets)
    assert any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert re.match(r"/[^/]", asset), asset  # this server, not another host
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["x-content-type-options"] == "nosniff"
    assert client.get("/openapi.json").status_code == 200


def test_the_api_docs_can_be_turned_off_and_the_openapi_document_stays(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    app = create_app(make_settings(sqlite_database_url, tmp_path, api_docs=False))
    with TestClient(app) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").status_code == 200
