"""A stream's retry waits (1 s doubling to 5 min, with jitter) and its sealed secrets."""

from __future__ import annotations

import uuid

import pytest

from callmanager.streams.delivery import MAX_BACKOFF_S, backoff
from callmanager.streams.secrets import SecretBox, SecretsUnreadable


def test_retries_wait_from_one_second_doubling_up_to_five_minutes() -> None:
    least = [backoff(n, lambda: 0.0) for n in range(12)]
    assert least[:4] == [1.0, 2.0, 4.0, 8.0]
    assert least[-1] == MAX_BACKOFF_S == 300.0
    assert all(backoff(n, lambda: 1.0) <= MAX_BACKOFF_S for n in range(30))


def test_jitter_spreads_the_waits_of_streams_failing_together() -> None:
    assert backoff(3, lambda: 0.0) < backoff(3, lambda: 0.5) < backoff(3, lambda: 1.0)


def test_sealed_secrets_open_only_for_their_stream_and_with_the_same_server_secret() -> None:
    stream, other = uuid.uuid4(), uuid.uuid4()
    sealed = SecretBox("server secret").seal(stream, {"token": "hec-token"})
    assert b"hec-token" not in sealed
    assert SecretBox("server secret").open(stream, sealed) == {"token": "hec-token"}
    with pytest.raises(SecretsUnreadable):
        SecretBox("server secret").open(other, sealed)
    with pytest.raises(SecretsUnreadable):
        SecretBox("another server secret").open(stream, sealed)
