"""The objects a started app holds (routes, models, compiled statements) are frozen out of the
garbage collector's full collections while it serves, and handed back when it stops."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from callmanager.app import create_app
from tests.conftest import make_settings


def test_a_serving_app_keeps_its_startup_heap_out_of_full_collections(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    """An audited read leaves its entry queued for the writer's next batch; enough of them
    trigger full collections, which otherwise walk the whole heap of the app each time."""
    gc.unfreeze()
    app = create_app(make_settings(sqlite_database_url, tmp_path))
    with TestClient(app):
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0
