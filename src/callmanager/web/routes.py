"""The web UI's pages: thin HTML shells around the JSON API, one per menu item, plus login.

The server decides only what the caller may see (the menu, and which pages their role opens);
every piece of data is fetched by the page's ES module through `/api/v1`, so whatever a person
does in the browser is an ordinary, audited API call.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import holidays
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from holidays import list_supported_countries
from holidays import registry as holiday_registry

from callmanager.api.deps import DbSession
from callmanager.auth.permissions import Permission, allows
from callmanager.auth.principal import Principal, Role, principal_of
from callmanager.domain.tenants.models import Tenant
from callmanager.domain.tenants.service import list_tenants

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
templates = Jinja2Templates(directory=WEB_DIR / "templates")

# The one place role names are written: the shell hands them to the page's modules as JSON.
ROLE_LABELS = {
    Role.OWNER: "Owner",
    Role.WRITER: "Writer",
    Role.READER: "Reader",
    Role.TENANT_SETUP: "Tenant Setup",
}

SECURITY_HEADERS = {
    # Scripts and styles come only from /static: no inline code, so injected markup can't run.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The invitation page carries a token in its query: never leak it to another site.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class Page:
    """One menu item: its URL slug, label, the permission that opens it and its menu section."""

    slug: str
    title: str
    permission: Permission
    section: str | None = None
    lede: str = ""


PAGES = (
    Page("groups", "Groups", Permission.READ),
    Page("call-flows", "Wizard Call Flows", Permission.READ),
    Page("call-logs", "Call Logs", Permission.READ),
    Page("portal-users", "Portal Users", Permission.READ, section="Organization"),
    Page(
        "audit-log",
        "Audit Log",
        Permission.AUDIT_READ,
        section="Organization",
        lede="Every API call made on this tenant: who made it, when, what it sent and got back.",
    ),
    Page("admin-setup", "Admin Setup", Permission.SETUP_READ),
)
PAGES_BY_SLUG = {page.slug: page for page in PAGES}

# A page's tabs: (sub-path, label); "" is the page itself. A tab opens for whoever opens its page.
TABS = {"audit-log": (("", "Entries"), ("streams", "Streams"))}

web_router = APIRouter(include_in_schema=False)


def _render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def pages_for(role: Role) -> list[Page]:
    """The menu items a role may open, in menu order."""
    return [page for page in PAGES if allows(role, page.permission)]


def default_page(role: Role) -> Page:
    """Where a role lands: the first menu item it may open (Tenant Setup: Admin Setup)."""
    return pages_for(role)[0]


def _menu(role: Role) -> list[tuple[str | None, list[Page]]]:
    """Menu items grouped by section, sections in first-appearance order."""
    sections: list[tuple[str | None, list[Page]]] = []
    for page in pages_for(role):
        if sections and sections[-1][0] == page.section:
            sections[-1][1].append(page)
        else:
            sections.append((page.section, [page]))
    return sections


def _actor(principal: Principal) -> dict[str, str]:
    if principal.kind == "partner":
        return {"label": "Partner", "detail": "Partner access via Access Service", "initials": "P"}
    if principal.kind == "system":
        return {"label": "System", "detail": principal.task_name or "", "initials": "S"}
    label = principal.email or ""
    name = principal.name or label
    initials = "".join(part[0] for part in name.replace(".", " ").split()[:2]).upper() or "?"
    return {"label": label, "detail": name, "initials": initials}


def _tenant_choices(
    principal: Principal, tenants: list[Tenant], page: Page | None
) -> list[dict[str, str]]:
    """The tenant switcher's options: the same page in each tenant when its role opens it."""
    choices = []
    for tenant in tenants:
        role = principal.roles[tenant.id]
        slug = page.slug if page and allows(role, page.permission) else default_page(role).slug
        choices.append(
            {"id": str(tenant.id), "name": tenant.name, "url": f"/tenants/{tenant.id}/{slug}"}
        )
    return choices


def _shell_context(
    principal: Principal, tenant: Tenant, tenants: list[Tenant], role: Role, page: Page | None
) -> dict[str, Any]:
    permissions = sorted(p.value for p in Permission if allows(role, p))
    return {
        "page": page,
        "menu": _menu(role),
        "tenant": tenant,
        "tenant_choices": _tenant_choices(principal, tenants, page),
        "role": role.value,
        "role_label": ROLE_LABELS[role],
        # Pairs, not an object: `tojson` sorts an object's keys, and the order is the menu's.
        "role_labels": [[r.value, label] for r, label in ROLE_LABELS.items()],
        "permissions": " ".join(permissions),
        "actor": _actor(principal),
        "principal_kind": principal.kind,
    }


@web_router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbSession) -> Response:
    """Send a logged-in person to the first page of their first tenant."""
    principal = principal_of(request.scope)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    tenants = list_tenants(db, list(principal.roles))
    if not tenants:
        return _render(request, "no_tenant.html", {"actor": _actor(principal)})
    first = tenants[0]
    role = principal.roles[first.id]
    return RedirectResponse(f"/tenants/{first.id}/{default_page(role).slug}", status_code=303)


@web_router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _render(request, "login.html", {})


@web_router.get("/accept-invitation", response_class=HTMLResponse)
def accept_invitation_page(request: Request) -> Response:
    """Set a password for an invitation; the token stays in the browser, never in the HTML."""
    return _render(request, "accept_invitation.html", {})


@web_router.get("/tenants/{tenant_id}", response_class=HTMLResponse)
def tenant_home(tenant_id: uuid.UUID, request: Request) -> Response:
    principal = principal_of(request.scope)
    if principal is None:
        return _login_redirect(request)
    role = principal.role_in(tenant_id)
    if role is None:
        return _render(request, "not_found.html", {}, status_code=404)
    return RedirectResponse(f"/tenants/{tenant_id}/{default_page(role).slug}", status_code=303)


@web_router.get("/tenants/{tenant_id}/{slug}", response_class=HTMLResponse)
def tenant_page(tenant_id: uuid.UUID, slug: str, request: Request, db: DbSession) -> Response:
    """A page of the app shell; its module loads the data through the API."""
    return _tenant_page(tenant_id, slug, "", request, db)


@web_router.get("/tenants/{tenant_id}/{slug}/{tab}", response_class=HTMLResponse)
def tenant_page_tab(
    tenant_id: uuid.UUID, slug: str, tab: str, request: Request, db: DbSession
) -> Response:
    """A tab of a page (Organization > Audit Log > Streams): the page's shell, the tab's module."""
    return _tenant_page(tenant_id, slug, tab, request, db)


def _tenant_page(
    tenant_id: uuid.UUID, slug: str, tab: str, request: Request, db: DbSession
) -> Response:
    principal = principal_of(request.scope)
    if principal is None:
        return _login_redirect(request)
    role = principal.role_in(tenant_id)
    page = PAGES_BY_SLUG.get(slug)
    tenants = list_tenants(db, list(principal.roles))
    tenant = next((t for t in tenants if t.id == tenant_id), None)
    tabs = TABS.get(slug, ())
    if role is None or page is None or tenant is None or (tab and tab not in dict(tabs)):
        return _render(request, "not_found.html", {}, status_code=404)
    context = _shell_context(principal, tenant, tenants, role, page)
    if not allows(role, page.permission):
        return _render(request, "forbidden.html", context, status_code=403)
    base = f"/tenants/{tenant_id}/{slug}"
    context["module"] = f"{slug}/{tab}" if tab else slug
    context["tabs"] = [
        {"href": f"{base}/{sub}" if sub else base, "label": label, "current": sub == tab}
        for sub, label in tabs
    ]
    return _render(request, "app.html", context)


@cache
def holiday_calendars() -> list[dict[str, Any]]:
    """The countries (and their subdivisions) the holiday library has calendars for, by name."""
    entries = {entry[1]: (module, entry[0]) for module, entry in holiday_registry.COUNTRIES.items()}
    calendars = []
    for code, subdivisions in list_supported_countries().items():
        if not re.fullmatch(r"[A-Z]{2}", code):
            continue
        module, class_name = entries.get(code, (code, ""))
        calendar_class = getattr(holidays, class_name, None) if class_name else None
        aliases = getattr(calendar_class, "subdivisions_aliases", None) or {}
        named = {code: name for name, code in aliases.items()}
        calendars.append(
            {
                "code": code,
                "name": module.replace("_", " ").title(),
                "subdivisions": [{"code": s, "name": named.get(s, s)} for s in subdivisions],
            }
        )
    return sorted(calendars, key=lambda c: c["name"])


@web_router.get("/ui/holiday-calendars.json")
def holiday_calendars_json() -> JSONResponse:
    """Reference data for the call flow editor's country picker (not tenant data)."""
    return JSONResponse(holiday_calendars(), headers={"Cache-Control": "public, max-age=86400"})
