"""create_app(settings): wiring and lifespan, nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from asgi_audit import AuditMiddleware
from callmanager.api.openapi import with_problem_schemas
from callmanager.api.partner_access import PATH as PARTNER_ACCESS
from callmanager.api.partner_access import browser_router as partner_browser_router
from callmanager.api.problems import PROBLEM_BASE, install_problem_handlers
from callmanager.api.router import add_api_routes
from callmanager.audit_rules import TENANT_PREFIX, call_manager_policy
from callmanager.auth.middleware import AuthMiddleware
from callmanager.headers import DefaultHeadersMiddleware
from callmanager.health import health_router
from callmanager.heap import startup_heap_frozen
from callmanager.observe.install import install_observability
from callmanager.services import Services
from callmanager.settings import Settings
from callmanager.tasks.registry import install_scheduler
from callmanager.web.api_docs import install_api_docs
from callmanager.web.routes import STATIC_DIR, web_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """The whole service: API, web UI, auth and audit middleware, background tasks."""
    settings = settings or Settings()
    services = Services.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        try:
            with startup_heap_frozen():
                yield
        finally:
            await services.stop()

    # FastAPI's own /docs and /redoc load scripts from a CDN: ours come with the package.
    app = FastAPI(
        title="Call Manager", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.services = services
    app.openapi = with_problem_schemas(app, TENANT_PREFIX, (PARTNER_ACCESS,))  # type: ignore[method-assign]  # FastAPI's own way
    install_problem_handlers(app)
    add_api_routes(app.router)
    app.include_router(health_router)
    app.include_router(partner_browser_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.api_docs:
        install_api_docs(app)
    if services.audit_writer is not None:
        # Inside authentication, so every entry knows its actor before the handler runs.
        # Kept on the app so the demo can date a seeded week's calls (`demo_clock.py`).
        app.state.audit_policy = call_manager_policy(app)
        app.add_middleware(
            AuditMiddleware,
            policy=app.state.audit_policy,
            sink=services.audit_writer,
            problem_type=PROBLEM_BASE + "unavailable",
        )
    # Starlette runs the last-added middleware first: authentication must wrap everything.
    app.add_middleware(
        AuthMiddleware,
        principals=services.principals,
        system_secret=lambda: services.system_secret,
    )
    install_observability(app, services)  # outside authentication: times and sees every call
    app.add_middleware(DefaultHeadersMiddleware)  # outermost: every response gets `nosniff`
    # Last, so the scheduler starts after and stops before the rest of the machinery.
    install_scheduler(app, services)
    return app
