"""`/docs`: Swagger UI for the served OpenAPI document, its scripts and styles installed with
the package (fastapi-offline's copy of Swagger UI), so the page asks nothing of any other host
and works offline, under the same strict Content Security Policy as the rest of the UI."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from callmanager.web.routes import SECURITY_HEADERS, templates

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))
"""swagger-ui-bundle.js and swagger-ui.css, as the fastapi-offline package ships them."""

docs_router = APIRouter(include_in_schema=False)


@docs_router.get(DOCS_PATH, response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The page loads the bundle and `/static/js/api_docs.js` starts it: no inline script."""
    context = {"assets": ASSETS_PATH, "openapi_url": request.app.openapi_url}
    response = templates.TemplateResponse(request, "api_docs.html", context)
    response.headers.update(SECURITY_HEADERS)
    return response


def install_api_docs(app: FastAPI) -> None:
    """Serve `/docs` and its assets (call it only when `api_docs` is on)."""
    app.include_router(docs_router)
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
