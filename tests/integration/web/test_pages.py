"""The web UI's page routes: who is sent where, what each role's menu holds, and safe headers."""

from __future__ import annotations

import html
import json
import re
import uuid

from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from callmanager.domain.tenants.service import update_tenant
from callmanager.services import Services
from callmanager.web.routes import ROLE_LABELS
from tests.conftest import LoginAs
from tests.factories import make_tenant

ALL_PAGES = ["groups", "call-flows", "call-logs", "portal-users", "audit-log", "admin-setup"]


def menu_of(html: str) -> list[str]:
    return re.findall(r'class="nav-link nav-([a-z-]+)"', html)


def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back(
    client: TestClient, tenant_id: uuid.UUID
) -> None:
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == "/login"
    page = client.get(f"/tenants/{tenant_id}/audit-log?action_type=all", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == (
        f"/login?next=%2Ftenants%2F{tenant_id}%2Faudit-log%3Faction_type%3Dall"
    )
    assert client.get("/login").status_code == 200


def test_each_role_lands_on_its_first_page_and_sees_its_menu(
    login_as: LoginAs, tenant_id: uuid.UUID
) -> None:
    expected = {
        Role.OWNER: ALL_PAGES,
        Role.WRITER: ALL_PAGES,
        Role.READER: ALL_PAGES,
        Role.TENANT_SETUP: ["admin-setup"],
    }
    for role, pages in expected.items():
        user = login_as(role).client
        landing = user.get("/", follow_redirects=False)
        assert landing.headers["location"] == f"/tenants/{tenant_id}/{pages[0]}"
        html = user.get(landing.headers["location"]).text
        assert menu_of(html) == pages
        assert f'data-role="{role.value}"' in html


def test_the_page_is_given_the_role_names_by_the_server(
    login_as: LoginAs, tenant_id: uuid.UUID
) -> None:
    """The role labels are written once, in Python; the page's modules read them from <body>."""
    page = login_as(Role.OWNER).client.get(f"/tenants/{tenant_id}/portal-users").text
    attribute = re.search(r"data-role-labels='([^']*)'", page)
    assert attribute is not None
    labels = json.loads(html.unescape(attribute[1]))
    assert labels == [[role.value, label] for role, label in ROLE_LABELS.items()]


def test_tenant_setup_is_told_other_pages_are_not_for_its_role(
    login_as: LoginAs, tenant_id: uuid.UUID
) -> None:
    setup = login_as(Role.TENANT_SETUP).client
    for slug in ALL_PAGES[:-1]:
        page = setup.get(f"/tenants/{tenant_id}/{slug}")
        assert page.status_code == 403
        assert "Not available to your role" in page.text
        assert 'id="page-root"' not in page.text


def test_unknown_pages_and_other_tenants_are_not_found(
    login_as: LoginAs, services: Services
) -> None:
    owner = login_as(Role.OWNER)
    other = make_tenant(services, "Fabrikam")
    assert owner.client.get(f"/tenants/{other}/groups").status_code == 404
    assert owner.client.get(f"/tenants/{uuid.uuid4()}/groups").status_code == 404
    assert owner.client.get(f"/tenants/{owner.tenant_id}/no-such-page").status_code == 404


def test_pages_forbid_inline_scripts_and_escape_tenant_data(
    login_as: LoginAs, services: Services, tenant_id: uuid.UUID
) -> None:
    with services.unit_of_work() as uow:
        update_tenant(uow.session, tenant_id, name='<script>alert("x")</script>')
        uow.commit()
    page = login_as(Role.READER).client.get(f"/tenants/{tenant_id}/audit-log")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert '<script>alert("x")' not in page.text
    assert "&lt;script&gt;" in page.text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []


def test_the_invitation_page_never_echoes_its_token(client: TestClient) -> None:
    page = client.get("/accept-invitation?tenant=abc&token=secret-token-value")
    assert page.status_code == 200
    assert "secret-token-value" not in page.text


def test_static_assets_and_holiday_calendars_are_served(client: TestClient) -> None:
    script = client.get("/static/js/pages/audit_log/index.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "innerHTML" not in script.text
    calendars = client.get("/ui/holiday-calendars.json").json()
    uk = next(c for c in calendars if c["code"] == "GB")
    assert uk["name"] == "United Kingdom"
    assert {"code": "ENG", "name": "England"} in uk["subdivisions"]
