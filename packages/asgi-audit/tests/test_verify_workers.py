"""How the online verifier starts its worker processes."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from asgi_audit.store.verify import _start_method


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)
def test_workers_are_forked_from_a_single_threaded_process_and_spawned_beside_other_threads() -> (
    None
):
    if threading.active_count() != 1:
        pytest.skip("another thread already runs in this test process")
    assert _start_method() == "fork"
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert _start_method() == "spawn"
    finally:
        release.set()
        other.join()
    assert _start_method() == "fork"
