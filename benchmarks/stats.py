"""Small statistics over latency samples: nearest-rank percentiles and medians."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank `p`th percentile (0 < p <= 100) of `samples`; NaN if there are none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 50)


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def ms(seconds: float) -> float:
    """Seconds to milliseconds, rounded to what a 2-core shared machine can tell apart."""
    return round(seconds * 1000, 2)


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """The CPU time (user + system) process `pid` has used so far (Linux `/proc`): what a
    loaded machine inflates least, unlike wall-clock rates. `children`: with that of the
    processes it started that still run (a server's log stream delivery process)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if children:
        used += sum(cpu_seconds(child) for child in child_pids(pid))
    return used


def child_pids(pid: int) -> list[int]:
    """The running processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # it exited meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found
