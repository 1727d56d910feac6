"""`Recent`: the bounded map of values that never change (stored checkpoints)."""

from __future__ import annotations

import pytest

from asgi_audit.store.recent import Recent


def test_a_value_put_is_found_by_its_key() -> None:
    recent: Recent[str, int] = Recent(2)
    recent.put("a", 1)
    assert recent.get("a") == 1
    assert recent.get("b") is None


def test_one_more_than_the_size_forgets_the_least_recently_used() -> None:
    recent: Recent[str, int] = Recent(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now "b" is the least recently used
    recent.put("c", 3)
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == (1, None, 3)
    assert len(recent) == 2


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        Recent(0)
