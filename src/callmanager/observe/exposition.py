"""`GET /metrics`: the Prometheus text format, for a scraper holding the metrics token.

The figures each process keeps (`metrics.Metrics`), summed over every worker in multiprocess
mode, plus what is read from the audit store at scrape time: how old each tenant's latest
checkpoint is, counted per age bucket (one series per bucket, never per tenant).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from asgi_audit.store.tables import heads
from callmanager.api.problems import problem
from callmanager.observe.metrics import Metrics
from callmanager.observe.workers import MULTIPROC_DIR

log = logging.getLogger(__name__)

AGE_BUCKETS = (10.0, 60.0, 300.0, 3600.0, 86_400.0)
"""Upper bounds (seconds) of the checkpoint age buckets; tenants older fall in `+Inf`."""


class CheckpointAges(Collector):
    """At each scrape: tenants by the age of their latest checkpoint, and the oldest
    checkpoint among tenants whose log grew past it (what a stalled notary shows as).

    With the audit store unreachable the two are left out of the scrape (and a warning logged):
    the rest, the refused modifications above all, is what the operator needs then. It
    describes itself without reading the store, so the service starts while the store is down.
    """

    def __init__(self, audit_engine: Engine) -> None:
        self.engine = audit_engine

    def describe(self) -> Iterator[Metric]:
        yield self._ages([(le, 0.0) for le in (*map(str, AGE_BUCKETS), "+Inf")], 0.0)
        yield self._behind(0.0)

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(heads.c.size, heads.c.checkpointed, heads.c.checkpointed_at)
                ).all()
        except SQLAlchemyError as exc:
            log.warning("metrics: checkpoint ages left out, audit store: %s", type(exc).__name__)
            return
        counts = [0] * (len(AGE_BUCKETS) + 1)
        total = 0.0
        behind = 0.0
        for size, checkpointed, at in rows:
            age = (now - at).total_seconds() if at is not None else float("inf")
            place = next((i for i, le in enumerate(AGE_BUCKETS) if age <= le), len(AGE_BUCKETS))
            counts[place] += 1
            total += age if at is not None else 0.0
            if size > checkpointed:
                behind = max(behind, age)
        cumulative, buckets = 0, []
        for le, count in zip((*map(str, AGE_BUCKETS), "+Inf"), counts, strict=True):
            cumulative += count
            buckets.append((le, float(cumulative)))
        yield self._ages(buckets, total)
        yield self._behind(behind)

    @staticmethod
    def _ages(buckets: list[tuple[str, float]], total: float) -> Metric:
        return GaugeHistogramMetricFamily(
            "callmanager_audit_checkpoint_age_seconds",
            "Tenants by the age of their latest signed checkpoint",
            buckets=buckets,
            gsum_value=total,
        )

    @staticmethod
    def _behind(seconds: float) -> Metric:
        return GaugeMetricFamily(
            "callmanager_audit_checkpoint_behind_seconds",
            "Age of the oldest latest checkpoint among tenants with entries not yet in one "
            "(0: every grown log is checkpointed; +Inf: one was never checkpointed)",
            value=seconds,
        )


def scrape_registry(metrics: Metrics, audit_engine: Engine) -> CollectorRegistry:
    """What a scrape reads: every worker's files in multiprocess mode, else this process's."""
    if os.environ.get(MULTIPROC_DIR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
    else:
        registry = metrics.registry
    registry.register(CheckpointAges(audit_engine))
    return registry


def metrics_router(token: str, registry: CollectorRegistry) -> APIRouter:
    """`GET /metrics`, answered only to `Authorization: Bearer <token>`."""
    router = APIRouter()
    expected = f"Bearer {token}".encode()

    @router.get("/metrics", include_in_schema=False)
    def scrape(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode("latin-1")
        if not hmac.compare_digest(given, expected):
            detail = "A scrape needs `Authorization: Bearer <CALLMANAGER_METRICS_TOKEN>`."
            return problem(401, "unauthenticated", "Authentication required", detail)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
