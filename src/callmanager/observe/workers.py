"""What `callmanager serve --workers N` prepares before uvicorn starts the workers: a fresh
folder for prometheus-client's multiprocess mode, named in the environment they inherit."""

from __future__ import annotations

import os
import shutil

from callmanager.settings import Settings

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client reads it when imported: set before any worker imports it."""


def prepare_workers(settings: Settings) -> None:
    """Point every worker's metrics at one folder, emptied (figures of an earlier run would
    add up with this one's); a folder the environment names already is used as it is."""
    if os.environ.get(MULTIPROC_DIR):
        return
    folder = (settings.var_dir / "prometheus-multiproc").resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_DIR] = str(folder)
