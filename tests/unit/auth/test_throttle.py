"""The waits an allowance imposes: none for the free attempts, then doubling up to the cap."""

from __future__ import annotations

from datetime import timedelta

from callmanager.auth.throttle import ACCOUNT, ADDRESS, Allowance

ALLOWANCE = Allowance(
    scope="test", free=3, max_wait=timedelta(seconds=20), forget_after=None, refusal="wait"
)


def test_the_free_attempts_need_no_wait_and_later_ones_double_up_to_the_cap() -> None:
    waits = [ALLOWANCE.wait_after(n).total_seconds() for n in range(9)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 20, 20]


def test_the_steps_are_the_counts_between_no_wait_and_the_cap() -> None:
    assert ALLOWANCE.steps() == [3, 4, 5, 6]


def test_any_number_of_attempts_waits_at_most_the_cap() -> None:
    assert ACCOUNT.wait_after(10**9) == ACCOUNT.max_wait


def test_an_address_may_fail_more_often_than_an_account_and_is_forgotten_when_quiet() -> None:
    assert ADDRESS.free > ACCOUNT.free
    assert ADDRESS.forget_after is not None
    assert ADDRESS.forget_after >= ADDRESS.max_wait  # a waiting address is never forgotten
