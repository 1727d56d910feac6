"""`callmanager audit export` (a tenant's entries to a file, as the API exports them) and
`callmanager audit stats` (entries by month and action, store size, oldest entry, checkpoints).

Progress shows on a terminal (rich) and nowhere when stderr is piped.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from asgi_audit import AuditLog, AuditUnavailable, ExportFormat, InvalidQuery, SqlAuditStore
from asgi_audit.export import Chunks
from asgi_audit.export_pool import ExportPool
from asgi_audit.query import parse_query
from callmanager.audit_stats import AuditStats, gather
from callmanager.progress import progress_bar
from callmanager.settings import Settings

FILTERS = (
    ("--from", "start", "ISO 8601 instant or date (default: today in the tenant's zone)"),
    ("--to", "end", "ISO 8601; a date is inclusive"),
    ("--action-type", "action_type", "modifications (default), all, create, edit, delete, read"),
    ("--actor-type", "actor_type", "user, system, partner, anonymous"),
    ("--actor", "actor", "a user id or email"),
    ("--resource-type", "resource_type", "e.g. group"),
    ("--resource-id", "resource_id", "exact; with --resource-type, one thing's history"),
    ("--exclude-resource-type", "exclude_resource_type", "leave this type's entries out"),
    ("--status", "status", "2xx, 4xx, 5xx or one code"),
    ("--q", "q", "text in the path, summary, actor or resource name"),
)
"""The API export's filters, as options (`GET …/audit-log/export`): one declaration each."""


def add_export_commands(audit_commands: Any) -> None:
    """Register `audit export` and `audit stats` on `callmanager audit`'s sub-commands."""
    export = audit_commands.add_parser(
        "export", help="write a tenant's entries to a file (JSON Lines verify offline)"
    )
    export.add_argument("--tenant", required=True, help="the tenant's id or exact name")
    for option, dest, text in FILTERS:
        export.add_argument(option, dest=dest, help=text)
    export.add_argument(
        "--after-seq",
        type=int,
        metavar="N",
        help="every entry after place N of the log, in log order, no filters (JSON Lines): "
        "resumes an interrupted export; -1 exports the whole log",
    )
    export.add_argument("--format", choices=[f.value for f in ExportFormat], required=True)
    export.add_argument("--output", type=Path, required=True, metavar="FILE")
    export.set_defaults(handler=export_entries)

    stats = audit_commands.add_parser(
        "stats", help="entries by month and action, store size, oldest entry, checkpoint age"
    )
    stats.add_argument("--tenant", help="only this tenant (id or exact name)")
    stats.set_defaults(handler=print_stats)


def tenant_and_zone(settings: Settings, tenant: str) -> tuple[uuid.UUID, ZoneInfo] | None:
    """The tenant named by id or exact name, and its time zone; None if no single one."""
    from sqlalchemy import select

    from callmanager.db import make_engine, make_session_factory
    from callmanager.domain.tenants.models import Tenant
    from callmanager.partner.cli import _tenant_id

    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as db:
            tenant_id = _tenant_id(db, tenant)
            if tenant_id is None:
                return None
            zone = db.scalar(select(Tenant.time_zone).where(Tenant.id == tenant_id))
    finally:
        engine.dispose()
    try:
        return tenant_id, ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return tenant_id, ZoneInfo("UTC")


def export_entries(args: argparse.Namespace, settings: Settings) -> int:
    found = tenant_and_zone(settings, args.tenant)
    if found is None:
        print(f"error: no single tenant with id or name {args.tenant!r}", file=sys.stderr)
        return 2
    tenant_id, zone = found
    fmt = ExportFormat(args.format)
    given = {dest: getattr(args, dest) for _, dest, _ in FILTERS if getattr(args, dest)}
    store = SqlAuditStore.from_url(settings.resolved_audit_database_url)
    pool = ExportPool.serving(store, settings.audit_export_workers)
    log = AuditLog(store, cursor_key=settings.resolved_secret_key.encode(), export_pool=pool)
    try:
        if args.after_seq is not None:
            if fmt is not ExportFormat.JSONL or given:
                print("error: --after-seq exports JSON Lines, without filters", file=sys.stderr)
                return 2
            start = args.after_seq + 1
            checkpoint = store.checkpoint(tenant_id)
            total: int | None = max(0, (checkpoint.size if checkpoint else 0) - start)
            chunks = log.export_range(tenant_id, start, None)
        else:
            total = None
            chunks = log.export(parse_query(tenant_id, tz=zone, **given), fmt)
        lines = _write(chunks, args.output, total)
    except InvalidQuery as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except (AuditUnavailable, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if pool is not None:
            pool.close()
        store.close()
    if sys.stderr.isatty():
        print(f"{args.output}: {lines} lines", file=sys.stderr)
    return 0


def _write(chunks: Chunks, output: Path, total: int | None) -> int:
    """Stream `chunks` into `output` by way of `output.partial`, renamed once complete (so
    a file under its own name is always whole); returns the lines written."""
    partial = output.with_name(output.name + ".partial")
    lines = 0
    with progress_bar("exporting", total) as bar, partial.open("wb") as out:
        try:
            for chunk in chunks:
                out.write(chunk)
                count = chunk.count(b"\n")
                lines += count
                bar.advance(count)
        finally:
            chunks.close()
    os.replace(partial, output)
    return lines


def print_stats(args: argparse.Namespace, settings: Settings) -> int:
    tenant_id = None
    if args.tenant:
        found = tenant_and_zone(settings, args.tenant)
        if found is None:
            print(f"error: no single tenant with id or name {args.tenant!r}", file=sys.stderr)
            return 2
        tenant_id = found[0]
    for line in _lines(gather(settings.resolved_audit_database_url, tenant_id)):
        print(line)
    return 0


def _lines(stats: AuditStats) -> Iterator[str]:
    yield f"audit store: {_size(stats.store_bytes)}"
    yield f"oldest entry: {stats.oldest.isoformat() if stats.oldest else 'none'}"
    if stats.checkpoint_age_s is None:
        yield "latest checkpoint: none"
    else:
        yield f"latest checkpoint: {stats.checkpoint_age_s:.0f} s ago"
    yield f"logs behind their checkpoint: {stats.behind}"
    actions = sorted({action for counts in stats.by_month.values() for action in counts})
    yield ""
    yield "month    " + "".join(f"{a:>10}" for a in actions) + f"{'total':>10}"
    for month, counts in sorted(stats.by_month.items()):
        row = "".join(f"{counts.get(a, 0):>10}" for a in actions)
        yield f"{month}  {row}{sum(counts.values()):>10}"


def _size(size: int | None) -> str:
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
