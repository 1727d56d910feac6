"""The principal cache keeps an entry only under its epoch, within its time to live, and before
its credential expires; it stays within its bound."""

from __future__ import annotations

import uuid
from datetime import timedelta

from callmanager.auth.cache import PrincipalCache
from callmanager.auth.principal import Principal
from callmanager.auth.resolve import Resolved
from callmanager.db import utcnow

NOW = utcnow()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def resolved(expires_in: timedelta | None = timedelta(hours=1)) -> Resolved:
    expires_at = NOW + expires_in if expires_in is not None else None
    return Resolved(Principal(kind="user", via="token"), expires_at)


def test_an_entry_is_served_under_the_epoch_it_was_read_under() -> None:
    cache = PrincipalCache(ttl=60)
    entry = resolved()
    cache.put("k", entry, epoch=3)
    assert cache.get("k", 3, NOW) is entry


def test_a_newer_epoch_drops_every_entry() -> None:
    cache = PrincipalCache(ttl=60)
    cache.put("a", resolved(), epoch=3)
    cache.put("b", resolved(), epoch=3)
    assert cache.get("a", 4, NOW) is None
    assert len(cache) == 0


def test_an_entry_read_under_an_older_epoch_than_seen_is_not_kept() -> None:
    cache = PrincipalCache(ttl=60)
    cache.put("a", resolved(), epoch=5)
    cache.put("b", resolved(), epoch=4)
    assert "b" not in cache


def test_an_entry_outlives_neither_its_time_to_live_nor_its_credential() -> None:
    clock = Clock()
    cache = PrincipalCache(ttl=60, clock=clock)
    cache.put("old", resolved(), epoch=1)
    clock.now += 61
    assert cache.get("old", 1, NOW) is None
    cache.put("ending", resolved(timedelta(seconds=5)), epoch=1)
    assert cache.get("ending", 1, NOW) is not None
    assert cache.get("ending", 1, NOW + timedelta(seconds=5)) is None


def test_a_credential_without_expiry_is_kept_for_the_time_to_live() -> None:
    cache = PrincipalCache(ttl=60)
    cache.put("k", resolved(None), epoch=1)
    assert cache.get("k", 1, NOW + timedelta(days=365)) is not None


def test_a_full_cache_makes_room_by_dropping_its_oldest_entry() -> None:
    cache = PrincipalCache(ttl=60, max_entries=2)
    for key in ("a", "b", "c"):
        cache.put(key, resolved(), epoch=1)
    assert "a" not in cache
    assert "b" in cache
    assert "c" in cache


def test_a_time_to_live_of_zero_keeps_nothing() -> None:
    cache = PrincipalCache(ttl=0)
    cache.put("k", resolved(), epoch=1)
    assert len(cache) == 0


def test_a_written_use_is_remembered_so_it_is_not_written_again_within_the_minute() -> None:
    cache = PrincipalCache(ttl=60)
    token = Resolved(Principal(kind="user", via="token"), None, token_id=uuid.uuid4())
    cache.put("k", token, epoch=1)
    cache.used("k", NOW)
    served = cache.get("k", 1, NOW)
    assert served is not None
    assert served.last_used_at == NOW
    assert not served.last_use_due(NOW + timedelta(seconds=59))
    assert served.last_use_due(NOW + timedelta(seconds=61))
