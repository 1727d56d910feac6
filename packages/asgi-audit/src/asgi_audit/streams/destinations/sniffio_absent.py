"""httpcore's async locks, events and cancellation shields each ask `import sniffio` when made
(four a POST); without the package installed, each failed import searched every `sys.path`
entry again (~50 µs apiece on the serving process, a fifth or more of a webhook POST's CPU).
`remember_absent` records the absence once, so the import fails at once, as it would anyway."""

from __future__ import annotations

import importlib.util
import sys


def remember_absent() -> None:
    """Mark `sniffio` absent in `sys.modules` when it is not installed (a `None` entry makes
    `import sniffio` raise `ModuleNotFoundError` without a search); an installed one is left
    alone."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]  # None: "not installed"
