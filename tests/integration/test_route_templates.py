"""The audit policy's route rules come from the routes themselves, without building the OpenAPI
document: the same templates and methods, in the same order, as the document's paths."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from callmanager.app import create_app
from callmanager.audit_rules import route_templates, rules_for
from tests.conftest import make_settings


def _document_templates(app: FastAPI) -> list[tuple[str, set[str]]]:
    paths = app.openapi()["paths"]
    return [(path, {method.upper() for method in methods}) for path, methods in paths.items()]


def test_the_routes_give_the_openapi_documents_templates_and_methods_in_its_order(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    for api_docs in (True, False):
        app = create_app(make_settings(sqlite_database_url, tmp_path, api_docs=api_docs))
        templates = [(path, set(methods)) for path, methods in route_templates(app)]
        assert templates == _document_templates(app)
        assert rules_for(route_templates(app)) == rules_for(app.openapi()["paths"])


def test_a_route_left_out_of_the_document_gets_no_rule() -> None:
    app = FastAPI()
    tenant = "/api/v1/tenants/{tenant_id}"
    app.get(f"{tenant}/groups")(lambda: None)
    app.post(f"{tenant}/groups")(lambda: None)
    app.get(f"{tenant}/hidden", include_in_schema=False)(lambda: None)
    assert [(path, set(methods)) for path, methods in route_templates(app)] == [
        (f"{tenant}/groups", {"GET", "POST"})
    ]
    assert route_templates(app)[0][0] in app.openapi()["paths"]
