"""What a verification of the log found: each problem named by the entry or checkpoint it
concerns and how it fails."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class Problem(StrEnum):
    """How a part of the log fails verification."""

    ALTERED = "altered"
    """An entry no longer has the content its leaf committed to; or a checkpoint's signed root
    differs from the log's root at its size (a history rewritten with its tree)."""
    MISSING = "missing"
    """A leaf whose entry is gone, or a place in the tree without a leaf."""
    INSERTED = "inserted"
    """An entry (or tree node) that no leaf accounts for."""
    REORDERED = "reordered"
    """An entry stored at another place than its leaf's."""
    BAD_SIGNATURE = "bad signature"
    """A checkpoint that no trusted key signed, or that names another log."""
    ROLLED_BACK = "rolled back"
    """The log no longer extends a checkpoint it once had (or the one the tenant kept)."""
    NOT_IN_LOG = "not in the log"
    """An entry left pending longer than sealing allows."""
    NOT_INCLUDED = "not included"
    """An exported line whose inclusion path does not lead to the checkpoint's root."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One failure: what it concerns (an entry by seq and id, a checkpoint by size, or a line
    of an export) and how."""

    problem: Problem
    detail: str
    tenant_id: uuid.UUID | None = None
    seq: int | None = None
    entry_id: uuid.UUID | None = None
    checkpoint: int | None = None
    """The tree size of the checkpoint concerned."""

    def __str__(self) -> str:
        subject = []
        if self.tenant_id is not None:
            subject.append(f"tenant {self.tenant_id}")
        if self.seq is not None or self.entry_id is not None:
            where = "" if self.seq is None else f" seq {self.seq}"
            ident = "" if self.entry_id is None else f" ({self.entry_id})"
            subject.append(f"entry{where}{ident}")
        if self.checkpoint is not None:
            subject.append(f"checkpoint at size {self.checkpoint}")
        return f"{': '.join(subject) or 'log'}: {self.problem.value}: {self.detail}"


@dataclass
class Report:
    """The outcome of verifying one tenant's log (online) or one export (offline)."""

    tenant_id: uuid.UUID | None = None
    size: int = 0
    """Leaves in the tree (online) or lines checked (offline)."""
    checkpoints: int = 0
    pruned: int = 0
    """Places whose entries retention removed: their leaf hashes still count in the tree
    (online), their hash-only lines are proven in it (offline); never reported missing."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, problem: Problem, detail: str, **subject: object) -> None:
        self.findings.append(Finding(problem, detail, tenant_id=self.tenant_id, **subject))  # type: ignore[arg-type]
