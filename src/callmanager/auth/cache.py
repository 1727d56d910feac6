"""A short-lived, bounded map from a credential's hash to the principal it resolved to.

An entry is good only under the principal epoch it was resolved under (see `epoch.py`), within
its time to live, and before its credential expires; it keys on the SHA-256 the database keeps,
never on the credential itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from callmanager.auth.resolve import Resolved


@dataclass(frozen=True, slots=True)
class _Entry:
    resolved: Resolved
    epoch: int
    stored_at: float


class PrincipalCache:
    """Up to `max_entries` resolved credentials, each kept at most `ttl` seconds."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._epoch = -1
        """The newest epoch seen: entries from older ones are dropped at once."""

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str, epoch: int, now: datetime) -> Resolved | None:
        """The entry for `key` if it is still good under `epoch` at `now`."""
        if epoch != self._epoch:
            self._new_epoch(epoch)
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at = entry.resolved.expires_at
        if (
            entry.epoch != epoch
            or self._clock() - entry.stored_at > self.ttl
            or (expires_at is not None and expires_at <= now)
        ):
            del self._entries[key]
            return None
        return entry.resolved

    def put(self, key: str, resolved: Resolved, epoch: int) -> None:
        """Keep `resolved`, read under `epoch`; the oldest entry makes room when full."""
        if self.ttl <= 0 or epoch < self._epoch:
            return
        if epoch > self._epoch:
            self._new_epoch(epoch)
        self._entries.pop(key, None)
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = _Entry(resolved, epoch, self._clock())

    def used(self, key: str, at: datetime) -> None:
        """Note that an API token's use at `at` has been written."""
        entry = self._entries.get(key)
        if entry is not None:
            resolved = replace(entry.resolved, last_used_at=at)
            self._entries[key] = replace(entry, resolved=resolved)

    def _new_epoch(self, epoch: int) -> None:
        if epoch > self._epoch:
            self._entries.clear()
            self._epoch = epoch
