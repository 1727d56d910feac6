"""Progress of a long command: a rich bar on stderr when it is a terminal, nothing at all when
it is piped (so scripts and logs read only what the command prints)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Bar:
    """What a command tells its progress to; this one shows nothing (stderr is not a terminal)."""

    def advance(self, count: int) -> None:
        """`count` more done."""

    def update(self, done: int, total: int | None) -> None:
        """`done` of `total` (None: not known) done."""


QUIET = Bar()
"""The bar of a caller that wants no progress (the scheduler)."""


class RichBar(Bar):
    def __init__(self, progress: Any, description: str, total: int | None) -> None:
        self.progress = progress
        self.task = progress.add_task(description, total=total)

    def advance(self, count: int) -> None:
        self.progress.advance(self.task, count)

    def update(self, done: int, total: int | None) -> None:
        self.progress.update(self.task, completed=done, total=total)


@contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[Bar]:
    """A bar for `description`, shown while the block runs and gone after it (on a terminal)."""
    if not sys.stderr.isatty():
        yield QUIET
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        yield RichBar(progress, description, total)
