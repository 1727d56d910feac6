"""What the writer tells a host's monitoring, through a small port the host implements (e.g.
as Prometheus metrics); the engine itself imports no metrics library."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from asgi_audit.events import AuditEvent


class WriterObserver(Protocol):
    """Called by `AuditWriter`; every method must be cheap and must not raise."""

    def batch_taken(self, size: int, queue_depth: int) -> None:
        """The writer thread took `size` operations, leaving `queue_depth` queued (also called
        with 0 when it wakes for maintenance, so an idle queue reads as empty)."""

    def batch_written(
        self, inserts: Sequence[AuditEvent], completions: int, seconds: float
    ) -> None:
        """One transaction committed `inserts` and `completions` outcomes in `seconds`."""

    def durable_waited(self, seconds: float, refused: bool) -> None:
        """A caller waited `seconds` for its entry to be stored; `refused`: it was not, so its
        request is answered 503."""
