"""What every scenario is handed: the run's scale, where databases go, which engines, a logger."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from benchmarks.config import Scale
from benchmarks.databases import Target


@dataclass
class Context:
    scale: Scale
    target: Target
    kinds: list[str]
    """The database kinds this run covers ('sqlite', 'postgres')."""
    seed: int = 42
    quiet: bool = False
    started: float = field(default_factory=time.monotonic)

    def log(self, message: str) -> None:
        """Progress on stderr, so the table on stdout stays clean."""
        if not self.quiet:
            elapsed = time.monotonic() - self.started
            print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)
