"""The benchmark dataset generator: deterministic from its seed, with the requested mix."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from asgi_audit import Action, ActorType
from asgi_audit.events import occurred_at_of
from benchmarks.generate import READ_SHARE, Spec, entry_id, generate, tenant_ids, tenant_shares

END = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_the_same_seed_gives_the_same_entries() -> None:
    spec = Spec(2_000, END, tenants=50, seed=7)
    assert list(generate(spec)) == list(generate(spec))


def test_another_seed_gives_other_entries() -> None:
    first = list(generate(Spec(500, END, tenants=50, seed=1)))
    second = list(generate(Spec(500, END, tenants=50, seed=2)))
    assert {e.id for e in first}.isdisjoint(e.id for e in second)


def test_entries_are_in_time_order_within_the_window() -> None:
    spec = Spec(3_000, END, tenants=20, days=7)
    times = [e.occurred_at for e in generate(spec)]
    assert times == sorted(times)
    assert END - timedelta(days=7) <= times[0]
    assert times[-1] < END


def test_ids_are_unique_uuid7_that_encode_their_instant() -> None:
    events = list(generate(Spec(3_000, END, tenants=20)))
    assert len({e.id for e in events}) == len(events)
    assert all(e.id.version == 7 and occurred_at_of(e.id) == e.occurred_at for e in events)


def test_entry_id_round_trips_every_microsecond_fraction() -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    base = 1_764_072_000_000_000
    for sub in range(1000):
        for rand in (0, 2**64 - 1):
            expected = epoch + timedelta(microseconds=base + sub)
            assert occurred_at_of(entry_id(base + sub, rand)) == expected


def test_four_in_five_entries_are_reads() -> None:
    actions = Counter(e.action for e in generate(Spec(20_000, END, tenants=100)))
    assert actions[Action.READ] / 20_000 == pytest.approx(READ_SHARE, abs=0.01)
    assert {Action.CREATE, Action.EDIT, Action.DELETE} <= set(actions)


def test_tenant_sizes_are_skewed_like_zipf() -> None:
    spec = Spec(50_000, END, tenants=200)
    sizes = Counter(e.tenant_id for e in generate(spec))
    ids = tenant_ids(spec)
    shares = tenant_shares(spec)
    largest = sizes[ids[0]] / spec.entries
    assert largest == pytest.approx(shares[0], rel=0.05)
    assert sizes[ids[0]] > 10 * sizes[ids[len(ids) // 2]]
    assert sizes.most_common(1)[0][0] == ids[0]


def test_every_actor_type_and_source_appears() -> None:
    events = list(generate(Spec(5_000, END, tenants=20)))
    assert {e.actor.type for e in events} == set(ActorType)
    assert {e.source for e in events} == {"Call Manager", "API", "System", "Partner"}
    system = [e for e in events if e.actor.type is ActorType.SYSTEM]
    assert all(e.actor.email is None for e in system)


def test_bodies_are_of_realistic_size() -> None:
    events = list(generate(Spec(5_000, END, tenants=20)))
    sizes = [e.response.size for e in events if e.response is not None]
    mean = sum(sizes) / len(sizes)
    assert 500 < mean < 5_000
    creates = [e for e in events if e.action is Action.CREATE and e.status == 201]
    assert creates
    assert all(e.request is not None and e.request.is_json for e in creates)
