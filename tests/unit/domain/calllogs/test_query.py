"""The pure parts of the call log query: the date range and the opaque cursor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from callmanager.domain.calllogs.query import (
    BadQuery,
    decode_cursor,
    encode_cursor,
    resolve_range,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_the_default_range_is_the_last_seven_days() -> None:
    assert resolve_range(None, None, NOW) == (NOW - timedelta(days=7), NOW)


def test_only_an_end_means_the_seven_days_before_it() -> None:
    end = NOW - timedelta(days=30)
    assert resolve_range(None, end, NOW) == (end - timedelta(days=7), end)


def test_exactly_ninety_days_is_allowed() -> None:
    assert resolve_range(NOW - timedelta(days=90), NOW, NOW)[0] == NOW - timedelta(days=90)


def test_more_than_ninety_days_is_a_bad_query() -> None:
    with pytest.raises(BadQuery, match="90 days") as raised:
        resolve_range(NOW - timedelta(days=90, seconds=1), NOW, NOW)
    assert raised.value.status == 400


def test_a_range_that_ends_before_it_starts_is_a_bad_query() -> None:
    with pytest.raises(BadQuery, match="start before"):
        resolve_range(NOW, NOW - timedelta(days=1), NOW)


def test_a_naive_datetime_is_read_as_utc() -> None:
    start, _ = resolve_range(datetime(2026, 11, 20), NOW, NOW)
    assert start == datetime(2026, 11, 20, tzinfo=UTC)


def test_a_cursor_round_trips_and_is_opaque() -> None:
    call_id = uuid.uuid4()
    cursor = encode_cursor(NOW, call_id)
    assert str(call_id) not in cursor
    assert "=" not in cursor
    assert decode_cursor(cursor) == (NOW, call_id)


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGpzb24", "WyJ4IiwgInkiXQ"])
def test_a_cursor_that_is_not_ours_is_a_bad_query(cursor: str) -> None:
    with pytest.raises(BadQuery, match="cursor"):
        decode_cursor(cursor)
