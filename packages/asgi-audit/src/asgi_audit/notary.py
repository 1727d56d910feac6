"""Keeping the log signed: sealing entries left pending, and checkpointing grown trees.

The writer thread runs `Notary.run` between batches (its `maintenance`), so sealing appends in
the single write path. Each pass:

1. **Seals** entries still pending `seal_after` seconds after they occurred: a modification
   whose outcome was never stored (its process died) or never settled takes its place in the
   log as it stands (`unknown`, or the outcome stored), and can no longer change.
2. **Checkpoints** every tenant whose tree grew since its last checkpoint, if that is at least
   `interval` seconds old: a C2SP checkpoint of the tree's size and root, signed. Several
   processes may run this at once: a size's first checkpoint stays.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from asgi_audit.store.port import AuditStore, StoredCheckpoint
from asgi_audit.tlog.note import Checkpoint, Signer, Verifier

log = logging.getLogger("asgi_audit")

Origin = Callable[[uuid.UUID], str]
"""The origin line of a tenant's log."""


class Notary:
    """Seals and signs the logs of every tenant in `store` with `signer`."""

    def __init__(
        self,
        store: AuditStore,
        signer: Signer,
        origin: Origin,
        *,
        interval: float = 10.0,
        seal_after: float = 120.0,
        seal_batch: int = 10_000,
        trusted: list[Verifier] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.signer = signer
        self.origin = origin
        self.interval = interval
        self.seal_after = seal_after
        self.seal_batch = seal_batch
        self.trusted = [signer.verifier, *(trusted or [])]
        """The keys a verifier of this log should trust: the signing key first."""
        self.clock = clock
        self._registered = False

    def run(self) -> None:
        """One pass: seal, then checkpoint. Errors are logged; the next pass tries again."""
        try:
            self.run_once()
        except Exception:
            log.exception("sealing or checkpointing the audit log failed; retrying later")

    def run_once(self) -> None:
        now = self.clock()
        if not self._registered:
            self.store.record_key(self.signer.verifier, now)
            self._registered = True
        while self.store.seal(now - timedelta(seconds=self.seal_after), self.seal_batch):
            pass
        self.checkpoint(now)

    def checkpoint(self, now: datetime | None = None) -> int:
        """Sign a checkpoint of every tree that grew (and was not checkpointed within
        `interval`); returns how many."""
        now = now or self.clock()
        started = time.perf_counter()
        heads = self.store.heads_to_checkpoint(now - timedelta(seconds=self.interval))
        for head in heads:
            text = Checkpoint(self.origin(head.tenant_id), head.size, head.root).text()
            note = self.signer.sign(text)
            self.store.add_checkpoint(
                StoredCheckpoint(head.tenant_id, head.size, head.root, note, now)
            )
        if heads:
            log.debug(
                "checkpointed %d tenants in %.1f ms",
                len(heads),
                1000 * (time.perf_counter() - started),
            )
        return len(heads)
