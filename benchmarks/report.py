"""Results: sections of rows, printed as tables and written as JSON with the machine description."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Value = float | int | str | bool | None


@dataclass(slots=True)
class Check:
    """A target from the issue and whether this run's figure met it."""

    target: str
    met: bool | None
    """None when the figure could not be measured."""


@dataclass(slots=True)
class Section:
    """One scenario's table: a title, its columns (keys of every row), rows and notes."""

    key: str
    title: str
    columns: list[str]
    rows: list[dict[str, Value]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    """Anything else worth keeping in the JSON (plans, per-round figures)."""

    def add(self, row: dict[str, Value]) -> None:
        self.rows.append(row)

    def check(self, target: str, met: bool | None) -> None:
        self.checks.append(Check(target, met))


def _cell(value: Value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) < 1:
            return f"{value:.3f}"  # ratios: 0.847 must not read as 0.85
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(section: Section) -> str:
    """The section as a plain-text table with its checks and notes."""
    header = section.columns
    body = [[_cell(row.get(c)) for c in header] for row in section.rows]
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(header)
    ]
    lines = [f"== {section.title}"]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    for r in body:
        lines.append(
            "  ".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    for check in section.checks:
        mark = {True: "MET   ", False: "MISSED", None: "n/a   "}[check.met]
        lines.append(f"  [{mark}] {check.target}")
    lines += [f"  note: {n}" for n in section.notes]
    return "\n".join(lines)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str, allow_nan=False) + "\n")


def section_json(section: Section) -> dict[str, Any]:
    jsonable: dict[str, Any] = _jsonable(asdict(section))
    return jsonable


def _jsonable(value: Any) -> Any:
    """`value` with every figure JSON cannot hold (NaN, ±infinity: a rate of 0 in a ratio's
    denominator) as null, however deep it sits."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def markdown(section: dict[str, Any]) -> str:
    """A section of a results JSON as a Markdown table with its checks and notes."""
    columns: list[str] = section["columns"]
    lines = [f"**{section['title']}**", ""]
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    for row in section["rows"]:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    lines.append("")
    for check in section["checks"]:
        mark = {True: "met", False: "**missed**", None: "n/a"}[check["met"]]
        lines.append(f"- {check['target']}: {mark}")
    return "\n".join(lines)


def main() -> None:
    """`python -m benchmarks.report [results.json]`: the run's tables as Markdown."""
    path = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).parent / "results" / "latest.json"
    )
    payload = json.loads(path.read_text())
    print("\n\n".join(markdown(s) for s in payload["scenarios"].values()))


if __name__ == "__main__":
    main()
