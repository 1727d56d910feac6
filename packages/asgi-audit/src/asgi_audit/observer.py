"""What the writer tells a host's monitoring, through a small port the host implements (e.g.
as Prometheus metrics); the engine itself imports no metrics library."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
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

    def logs_grew(self, tenants: Mapping[uuid.UUID, int]) -> None:
        """A committed transaction gave this many entries of each tenant their place in its
        log (what a log stream waits for)."""


class Observers:
    """Several observers as one: each is told everything, in order."""

    def __init__(self, *observers: WriterObserver) -> None:
        self.observers = observers

    def batch_taken(self, size: int, queue_depth: int) -> None:
        for observer in self.observers:
            observer.batch_taken(size, queue_depth)

    def batch_written(
        self, inserts: Sequence[AuditEvent], completions: int, seconds: float
    ) -> None:
        for observer in self.observers:
            observer.batch_written(inserts, completions, seconds)

    def durable_waited(self, seconds: float, refused: bool) -> None:
        for observer in self.observers:
            observer.durable_waited(seconds, refused)

    def logs_grew(self, tenants: Mapping[uuid.UUID, int]) -> None:
        for observer in self.observers:
            observer.logs_grew(tenants)
