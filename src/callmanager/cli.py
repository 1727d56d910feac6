"""The `callmanager` command line: serve, migrate, create tenants, seed the demo, run tasks,
verify the audit log."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from callmanager.audit_cli import add_audit_commands
from callmanager.errors import CallManagerError
from callmanager.partner.cli import add_partner_commands
from callmanager.settings import Settings
from callmanager.tasks.cli import add_task_commands

Handler = Callable[[argparse.Namespace, Settings], int]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import os
    import sys

    import uvicorn

    from callmanager.logs import log_config
    from callmanager.observe.workers import prepare_workers

    if args.no_access_log:
        os.environ["CALLMANAGER_REQUEST_LOG"] = "false"  # read by every worker's settings
    workers = args.workers or 1
    if workers > 1:
        prepare_workers(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    # Each worker builds the app from the environment's settings (`create_app` as a factory),
    # and applies the log configuration before it does: every line structured and redacted.
    # uvicorn's access log is off: the request line is ours (`observe.request_log`).
    uvicorn.run(
        "callmanager.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(settings.log_level, json_lines=not sys.stderr.isatty()),
        log_level=settings.log_level,
        access_log=False,
        # A worker answers the supervisor's pings once it has imported the app: a loaded
        # machine may take longer than uvicorn's 5 s, and the worker would be killed and rebuilt.
        timeout_worker_healthcheck=60,
    )
    return 0


def _db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    from callmanager.migrate import upgrade

    upgrade(settings.resolved_database_url, audit_url=settings.resolved_audit_database_url)
    print("Database is up to date.")
    return 0


def _tenant_create(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from callmanager.api.portal_users import invitation_url
    from callmanager.app import create_app
    from callmanager.founding import Founded, found_tenant

    app = create_app(
        settings.model_copy(update={"scheduler_enabled": False, "streams_enabled": False})
    )

    async def run() -> Founded:
        # The app's lifespan runs its audit writer: the founding is the log's first entries.
        async with app.router.lifespan_context(app):
            return await found_tenant(
                app.state.services,
                name=args.name,
                time_zone=args.time_zone,
                microsoft_tenant_id=args.microsoft_tenant_id,
                owner_email=args.owner_email,
                owner_name=args.owner_name or args.owner_email.split("@")[0],
            )

    founded = asyncio.run(run())
    tenant, issued = founded.tenant, founded.invitation
    base = args.base_url or f"http://{settings.host}:{settings.port}"
    print(f"Created tenant {tenant.name!r} ({tenant.id}).")
    print("One-time Owner invitation link (shown once, keep it safe):")
    print(invitation_url(base, issued.invitation, issued.token))
    return 0


def _demo_seed(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from callmanager import demo
    from callmanager.app import create_app
    from callmanager.migrate import upgrade
    from callmanager.progress import progress_bar

    if args.reset:
        if settings.database_url:
            print("error: --reset only resets the embedded SQLite demo database", file=sys.stderr)
            return 2
        for suffix in ("", "-wal", "-shm"):
            (settings.var_dir / f"callmanager.db{suffix}").unlink(missing_ok=True)
        demo.logins_path(settings).unlink(missing_ok=True)
        upgrade(settings.resolved_database_url, audit_url=settings.resolved_audit_database_url)
    app = create_app(
        settings.model_copy(update={"scheduler_enabled": False, "streams_enabled": False})
    )
    with progress_bar("seeding the demo tenant", demo.SEED_STEPS) as bar:
        logins = asyncio.run(demo.seed(app, bar))
    demo.print_logins(logins, settings)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="callmanager", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host", help="address to listen on (default: CALLMANAGER_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: CALLMANAGER_PORT)")
    serve.add_argument("--no-access-log", action="store_true", help="don't log every request")
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (default 1); each runs the whole app on the same database",
    )
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_commands.add_parser("upgrade", help="apply every pending migration").set_defaults(
        handler=_db_upgrade
    )

    tenant = commands.add_parser("tenant", help="tenant administration")
    tenant_commands = tenant.add_subparsers(dest="tenant_command", required=True, metavar="COMMAND")
    create = tenant_commands.add_parser(
        "create", help="create a tenant and print its Owner's one-time invitation link"
    )
    create.add_argument("--name", required=True, help="the tenant's display name")
    create.add_argument("--owner-email", required=True, help="who becomes the first Owner")
    create.add_argument("--owner-name", help="the Owner's display name")
    create.add_argument("--time-zone", default="UTC", help="IANA time zone (default: UTC)")
    create.add_argument("--microsoft-tenant-id", help="the Microsoft (Entra) tenant id")
    create.add_argument("--base-url", help="public URL of the service, for the link")
    create.set_defaults(handler=_tenant_create)

    demo_parser = commands.add_parser("demo", help="the demo tenant")
    demo_commands = demo_parser.add_subparsers(
        dest="demo_command", required=True, metavar="COMMAND"
    )
    seed = demo_commands.add_parser(
        "seed", help="create the Contoso demo tenant through the API (kept if it exists)"
    )
    seed.add_argument("--reset", action="store_true", help="start the SQLite demo afresh")
    seed.set_defaults(handler=_demo_seed)
    add_task_commands(commands)
    add_partner_commands(commands)
    add_audit_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, Settings())
    except CallManagerError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
