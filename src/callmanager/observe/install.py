"""Wiring the observers into an app: the request observer middleware (its log line and, when a
metrics token is set, its metrics), the audit writer's metrics, and `GET /metrics`."""

from __future__ import annotations

import os

from fastapi import FastAPI
from prometheus_client import multiprocess

from asgi_audit.observer import Observers
from callmanager.observe.exposition import metrics_router, scrape_registry
from callmanager.observe.metrics import Metrics
from callmanager.observe.request_log import RequestLog
from callmanager.observe.requests import Observer, RequestObserver
from callmanager.observe.workers import MULTIPROC_DIR
from callmanager.services import Services


def install_observability(app: FastAPI, services: Services) -> Metrics | None:
    """Add the request observer (call it where it should sit among the middleware: outside
    authentication, so it times and sees everything) and, with `metrics_token`, the metrics.

    The metrics are kept on `app.state.metrics` (None without a token): the scheduler counts
    its runs there, and a stream deliverer sets its lag there.
    """
    settings = services.settings
    observers: list[Observer] = []
    if settings.request_log:
        observers.append(RequestLog())
    metrics = None
    if settings.metrics_token:
        metrics = Metrics()
        observers.append(metrics.observe_request)
        writer = services.audit_writer
        if writer is not None:
            writer.observer = (
                metrics if writer.observer is None else Observers(writer.observer, metrics)
            )
        if services.deliverer is not None:
            lag = metrics.stream_lag
            services.deliverer.on_lag = lambda stream, seconds: lag.labels(str(stream)).set(seconds)
        registry = scrape_registry(metrics, services.audit_store.engine)
        app.include_router(metrics_router(settings.metrics_token, registry))
        if os.environ.get(MULTIPROC_DIR):
            services.on_stop.append(_forget_this_process)
    app.state.metrics = metrics
    if observers:
        app.add_middleware(RequestObserver, observers=observers, routes=app.routes)
    return metrics


async def _forget_this_process() -> None:
    """A stopped worker's live gauges (queue depth) no longer count in the sum."""
    multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # untyped upstream
