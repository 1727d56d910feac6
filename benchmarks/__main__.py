"""`python -m benchmarks [--quick]`: run the scenarios, print the tables, write the JSON."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.config import DATA_DIR, ROOT, SCALES, SCENARIOS, postgres_server_url
from benchmarks.context import Context
from benchmarks.databases import KINDS, find_target
from benchmarks.machine import describe
from benchmarks.report import Section, render, section_json, write_json
from benchmarks.server import PROFILE_DIR_VAR

MODULES = {
    "api": "benchmarks.scenarios.api_cost",
    "writer": "benchmarks.scenarios.writer",
    "queries": "benchmarks.scenarios.queries",
    "visibility": "benchmarks.scenarios.visibility",
    "export": "benchmarks.scenarios.export",
    "tlog": "benchmarks.scenarios.tlog",
    "activity": "benchmarks.scenarios.activity",
    "scaling": "benchmarks.scenarios.scaling",
    "streams": "benchmarks.scenarios.streams",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    size.add_argument("--tiny", action="store_true", help="smallest sizes (the test suite's)")
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {SCENARIOS}"
    )
    parser.add_argument(
        "--db", default=",".join(KINDS), help="comma-separated subset of sqlite,postgres"
    )
    parser.add_argument(
        "--postgres-url",
        default=postgres_server_url(),
        help="server to create cm_bench_* databases on",
    )
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where SQLite datasets go")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated datasets")
    parser.add_argument(
        "--clean", action="store_true", help="drop every kept benchmark dataset and exit"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record every server with py-spy (speedscope files in benchmarks/results/profiles)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # On SIGTERM unwind normally, so servers started by a scenario are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = _parser().parse_args(argv)
    scale = SCALES["quick" if args.quick else "tiny" if args.tiny else "full"]
    target, skipped = find_target(args.data_dir, args.postgres_url)
    if args.clean:
        for removed in target.drop_all():
            print(f"removed {removed}")
        return 0
    if args.profile:
        os.environ[PROFILE_DIR_VAR] = str(args.out.parent / "profiles")
    wanted = tuple(k.strip() for k in args.db.split(",") if k.strip())
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SCENARIOS] + [k for k in wanted if k not in KINDS]
    if unknown:
        print(f"unknown scenario or database: {', '.join(unknown)}", file=sys.stderr)
        return 2
    ctx = Context(
        scale=scale, target=target, kinds=target.kinds(wanted), seed=args.seed, quiet=args.quiet
    )
    if skipped and "postgres" in wanted:
        ctx.log(f"skipping PostgreSQL: {skipped}")
    started = datetime.now(UTC)
    machine = describe(target.postgres_server)
    sections: list[Section] = []
    failed = False
    for name in only:
        ctx.log(f"scenario {name}")
        began = time.monotonic()
        try:
            section: Section = importlib.import_module(MODULES[name]).run(ctx)
        except Exception:
            failed = True
            traceback.print_exc()
            section = Section(key=name, title=f"{name}: FAILED", columns=["error"])
            section.add({"error": traceback.format_exc().strip().splitlines()[-1]})
        section.details["seconds"] = round(time.monotonic() - began, 1)
        sections.append(section)
        print(render(section) + "\n", flush=True)
    payload = {
        "run": scale.name,
        "started_at": started.isoformat(),
        "seconds": round(time.monotonic() - ctx.started, 1),
        "machine": machine,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "postgres_skipped": skipped if "postgres" in wanted else None,
        "scenarios": {s.key: section_json(s) for s in sections},
    }
    write_json(args.out, payload)
    ctx.log(f"wrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
