"""Waiting for a condition on the running event loop, never forever."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], timeout_s: float = 10) -> None:
    """Wait for `condition` (a loaded machine may take its time), polling every 10 ms."""
    for _ in range(int(timeout_s / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not true within {timeout_s} s")
