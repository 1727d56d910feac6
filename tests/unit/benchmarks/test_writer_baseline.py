"""The writer scenario's raw baseline inserts the rows the store holds, not pending ones."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime

from asgi_audit import Outcome
from benchmarks.generate import Spec, generate
from benchmarks.scenarios.writer import as_stored


def test_the_baseline_gives_every_final_entry_its_tenants_next_place_in_order() -> None:
    events = list(generate(Spec(2_000, datetime(2026, 11, 1, tzinfo=UTC), tenants=20, seed=3)))
    stored = as_stored(events)
    assert [e.id for e in stored] == [e.id for e in events]
    places: dict[object, list[int]] = defaultdict(list)
    for e in stored:
        if e.outcome is Outcome.UNKNOWN:
            assert e.seq is None
        else:
            assert e.seq is not None
            places[e.tenant_id].append(e.seq)
    assert places
    assert all(seqs == list(range(len(seqs))) for seqs in places.values())


def test_the_baseline_changes_nothing_but_the_place() -> None:
    events = list(generate(Spec(200, datetime(2026, 11, 1, tzinfo=UTC), tenants=5, seed=4)))
    assert all(e.seq is None for e in events)
    for before, after in zip(events, as_stored(events), strict=True):
        assert replace(after, seq=None) == before
