"""`callmanager audit verify` (online, or `--offline` on an export) and `audit keygen`."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from asgi_audit.tlog.findings import Report
from asgi_audit.tlog.note import NoteError, Signer, Verifier
from callmanager.settings import Settings


def add_audit_commands(commands: Any) -> None:
    """Register `audit verify` and `audit keygen` on the main parser's sub-commands."""
    audit = commands.add_parser("audit", help="the audit log's proofs")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    verify = audit_commands.add_parser(
        "verify",
        help="verify the log in the database (exit 0 when all holds), or an export offline",
    )
    verify.add_argument("--tenant", type=uuid.UUID, help="only this tenant's log")
    verify.add_argument(
        "--checkpoint", type=Path, help="a checkpoint the tenant kept: the log must extend it"
    )
    verify.add_argument("--offline", type=Path, metavar="FILE", help="a JSON Lines export")
    verify.add_argument("--key", help="the verifier key an offline export is checked with")
    verify.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes recomputing leaves ahead (default: one per core; 0: none)",
    )
    verify.set_defaults(handler=_verify)
    keygen = audit_commands.add_parser(
        "keygen", help="print a new signing key (a secret) and its verifier key"
    )
    keygen.add_argument("--name", help="the key's name (default: the audit origin's host)")
    keygen.set_defaults(handler=_keygen)
    from callmanager.audit_export_cli import add_export_commands

    add_export_commands(audit_commands)


def _keygen(args: argparse.Namespace, settings: Settings) -> int:
    name = args.name or settings.resolved_audit_origin.split("/")[0] or "callmanager"
    try:
        signer = Signer.generate(name)
    except NoteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(signer.key)
    print(signer.verifier.key)
    return 0


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    if args.offline is not None:
        return _verify_offline(args.offline, args.key)
    if args.key is not None:
        print("error: --key goes with --offline", file=sys.stderr)
        return 2
    return _verify_online(args, settings)


def _verify_offline(path: Path, key: str | None) -> int:
    from asgi_audit.tlog.verify_export import verify_export

    if key is None:
        print("error: --offline needs --key VERIFIER_KEY", file=sys.stderr)
        return 2
    try:
        verifier = Verifier.parse(key)
    except NoteError as exc:
        print(f"error: the verifier key: {exc}", file=sys.stderr)
        return 2
    report = verify_export(path, verifier)
    return _print([report], f"{path}: {report.size} lines")


def _verify_online(args: argparse.Namespace, settings: Settings) -> int:
    from asgi_audit.store.sql import make_audit_engine
    from asgi_audit.store.verify import LogVerifier, open_kept

    trusted = [Signer.parse(settings.resolved_audit_signing_key).verifier]
    trusted += [Verifier.parse(key) for key in settings.trusted_audit_keys]
    kept = None
    if args.checkpoint is not None:
        try:
            kept = open_kept(args.checkpoint.read_text(encoding="utf-8"), trusted)
        except (OSError, NoteError) as exc:
            print(f"{args.checkpoint}: bad signature: {exc}")
            return 1
    engine = make_audit_engine(settings.resolved_audit_database_url)
    progress = _Counter(sys.stderr) if sys.stderr.isatty() else None
    verifier = LogVerifier(
        engine,
        trusted,
        lambda tenant: f"{settings.resolved_audit_origin}/tenants/{tenant}/audit-log",
        seal_after=settings.audit_seal_after_s,
        progress=progress,
        workers=args.workers,
    )
    try:
        tenant = args.tenant
        if tenant is None and kept is not None:
            tenant = verifier.tenant_of(kept)
            if tenant is None:
                print(f"{args.checkpoint}: no log here is {kept.checkpoint.origin!r}")
                return 1
        if tenant is not None:
            reports: Iterable[Report] = [verifier.verify(tenant, kept)]
        else:
            reports = verifier.verify_all(kept)
        return _print(reports, None)
    finally:
        if progress:
            progress.done()
        verifier.close()
        engine.dispose()


def _print(reports: Iterable[Report], label: str | None) -> int:
    failed = 0
    for report in reports:
        for finding in report.findings:
            print(finding)
        failed += len(report.findings)
        subject = label or f"tenant {report.tenant_id}: {report.size} entries"
        verdict = "verified" if report.ok else f"{len(report.findings)} failures"
        # Places retention pruned (hash only) are counted, never reported missing.
        pruned = f", {report.pruned} pruned" if report.pruned else ""
        print(f"{subject}, {report.checkpoints} checkpoints{pruned}: {verdict}")
    return 1 if failed else 0


class _Counter:
    """A carriage-return counter of entries checked, on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def __call__(self, more: int) -> None:
        self.count += more
        self.out.write(f"\rverified {self.count:,} entries")
        self.out.flush()

    def done(self) -> None:
        if self.count:
            self.out.write("\n")
