"""The Audit Log's tabs: Entries and Streams, each a page of its own that the same roles open."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from callmanager.auth.principal import Role
from tests.conftest import LoginAs


def tabs_of(html: str) -> list[tuple[str, bool]]:
    """The tab links of a page: (href, is the current one)."""
    return [
        (href, bool(current))
        for href, current in re.findall(
            r'<a href="([^"]+)" class="tab"( aria-current="page")?', html
        )
    ]


def test_owners_writers_and_readers_open_the_streams_tab_of_the_audit_log(
    login_as: LoginAs, tenant_id: uuid.UUID
) -> None:
    entries = f"/tenants/{tenant_id}/audit-log"
    streams = f"/tenants/{tenant_id}/audit-log/streams"
    for role in (Role.OWNER, Role.WRITER, Role.READER):
        user = login_as(role).client
        page = user.get(streams)
        assert page.status_code == 200
        assert 'data-page="audit-log/streams"' in page.text
        assert tabs_of(page.text) == [(entries, False), (streams, True)]
        # The menu still says where the person is: Organization > Audit Log.
        assert re.search(r'nav-audit-log" aria-current="page"', page.text)
        assert tabs_of(user.get(entries).text) == [(entries, True), (streams, False)]


def test_tenant_setup_neither_sees_nor_opens_the_streams_tab(
    login_as: LoginAs, tenant_id: uuid.UUID
) -> None:
    setup = login_as(Role.TENANT_SETUP).client
    page = setup.get(f"/tenants/{tenant_id}/audit-log/streams")
    assert page.status_code == 403
    assert 'id="page-root"' not in page.text
    assert "/audit-log/streams" not in setup.get(f"/tenants/{tenant_id}/admin-setup").text


def test_the_streams_tab_of_another_tenant_is_not_found(login_as: LoginAs) -> None:
    owner = login_as(Role.OWNER).client
    page = owner.get(f"/tenants/{uuid.uuid4()}/audit-log/streams")
    assert page.status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in_and_back_to_the_streams_tab(
    client: TestClient, tenant_id: uuid.UUID
) -> None:
    page = client.get(f"/tenants/{tenant_id}/audit-log/streams", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == (
        f"/login?next=%2Ftenants%2F{tenant_id}%2Faudit-log%2Fstreams"
    )
