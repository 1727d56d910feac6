"""A server's CPU as the benchmarks read it from `/proc`: its own, or with its children's (a log
stream delivery process does a server's work in a process of its own)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks.stats import child_pids, cpu_seconds

BUSY = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
BUSY += "time.sleep(30)"


def test_a_process_s_cpu_counts_its_running_children_only_when_asked() -> None:
    child = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        deadline = time.monotonic() + 20
        while cpu_seconds(child.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.pid in child_pids(os.getpid())
        alone = cpu_seconds(os.getpid())
        with_children = cpu_seconds(os.getpid(), children=True)
        assert with_children - alone >= 0.29
    finally:
        child.kill()
        child.wait()
    assert child.pid not in child_pids(os.getpid())
