"""`callmanager partner grant`: the local stand-in for the Provisioner's 'Access Service' button."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from callmanager.settings import Settings


def add_partner_commands(commands: Any) -> None:
    """Register `partner grant` on the main parser's sub-commands."""
    partner = commands.add_parser("partner", help="partner access through the Access Service")
    partner_commands = partner.add_subparsers(
        dest="partner_command", required=True, metavar="COMMAND"
    )
    grant = partner_commands.add_parser(
        "grant", help="sign a grant with the local Provisioner key and print its login URL"
    )
    grant.add_argument("--tenant", required=True, help="the tenant's id or exact name")
    grant.add_argument("--org", default="Provisioner Support", help="the partner organisation")
    grant.add_argument(
        "--minutes", type=int, default=15, choices=range(1, 16), metavar="1-15", help="lifetime"
    )
    grant.add_argument("--base-url", help="public URL of the service, for the link")
    grant.set_defaults(handler=grant_url)


def grant_url(args: argparse.Namespace, settings: Settings) -> int:
    from callmanager.db import make_engine, make_session_factory, utcnow
    from callmanager.partner.grants import new_grant, sign_grant
    from callmanager.partner.keys import local_private_key, uses_local_key

    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as db:
            tenant_id = _tenant_id(db, args.tenant)
    finally:
        engine.dispose()
    if tenant_id is None:
        print(f"error: no single tenant with id or name {args.tenant!r}", file=sys.stderr)
        return 2
    if not uses_local_key(settings):
        print(
            "warning: this service trusts a configured Provisioner key, not the local one; "
            "it will refuse this grant (unknown key)",
            file=sys.stderr,
        )
    grant = new_grant(tenant_id, args.org, now=utcnow(), lifetime=timedelta(minutes=args.minutes))
    token = sign_grant(grant, local_private_key(settings))
    base = (args.base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    until = f"{grant.expires_at:%H:%M:%S} UTC"
    print(f"Partner access to tenant {tenant_id} for {args.org}, once, until {until}:")
    print(f"{base}/partner-access?{urlencode({'tenant': str(tenant_id), 'grant': token})}")
    return 0


def _tenant_id(db: Any, tenant: str) -> uuid.UUID | None:
    from sqlalchemy import select

    from callmanager.domain.tenants.models import Tenant

    try:
        wanted = uuid.UUID(tenant)
    except ValueError:
        ids = list(db.scalars(select(Tenant.id).where(Tenant.name == tenant).limit(2)))
        return ids[0] if len(ids) == 1 else None
    found: uuid.UUID | None = db.scalar(select(Tenant.id).where(Tenant.id == wanted))
    return found
