"""The service's Prometheus metrics, declared once: requests, the audit writer, durable waits,
scheduled tasks, and the hook log streams set their lag on.

`Metrics` is every observer at once: the request observer's (`observe_request`), the audit
writer's (`asgi_audit.observer.WriterObserver`) and the scheduler's (`task_ran`). With several
workers, prometheus-client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, set by
`callmanager serve --workers N`) keeps each process's figures in files that a scrape of any
worker sums (`exposition`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from asgi_audit.events import AuditEvent
from callmanager.observe.requests import Finished

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 1000, 2500, 10_000)


class Metrics:
    """Every metric family of one process, registered on `registry` (its own by default, so
    several apps in one process, as in tests, keep their figures apart)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "callmanager_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "callmanager_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template, method and status",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "callmanager_audit_queue_depth",
            "Operations waiting in the audit writer's queue (summed over live workers)",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.batch_size = Histogram(
            "callmanager_audit_batch_size",
            "Entries and outcomes the audit writer committed in one transaction",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.commit_seconds = Histogram(
            "callmanager_audit_commit_duration_seconds",
            "Time the audit writer's transactions took",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.entries_written = Counter(
            "callmanager_audit_entries_written",
            "Audit entries written, by action",
            ["action"],
            registry=r,
        )
        self.durable_wait_seconds = Histogram(
            "callmanager_audit_durable_wait_duration_seconds",
            "Time a modification waited for its audit entry (or outcome) to be stored",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.refused = Counter(
            "callmanager_audit_refused",
            "Modifications answered 503 because the audit store did not take their entry",
            registry=r,
        )
        self.task_runs = Counter(
            "callmanager_task_runs",
            "Scheduled System task runs, by task and outcome (succeeded; failed: it raised "
            "or a tenant's part failed; skipped: another process holds the day's lease)",
            ["task", "outcome"],
            registry=r,
        )
        self.stream_lag = Gauge(
            "callmanager_audit_stream_lag_seconds",
            "How far each log stream's deliveries are behind the log (set by the stream "
            "deliverer: `metrics.stream_lag.labels(stream=...).set(seconds)`)",
            ["stream"],
            multiprocess_mode="max",
            registry=r,
        )
        """The hook for log streams: their deliverer sets its lag here."""

    # -- requests (`observe.requests.Observer`) ------------------------------------------------

    def observe_request(self, finished: Finished) -> None:
        labels = (finished.route, finished.method, str(finished.status))
        self.requests.labels(*labels).inc()
        self.request_seconds.labels(*labels).observe(finished.duration_s)

    # -- the audit writer (`asgi_audit.observer.WriterObserver`) --------------------------------

    def batch_taken(self, size: int, queue_depth: int) -> None:
        self.queue_depth.set(queue_depth)

    def batch_written(
        self, inserts: Sequence[AuditEvent], completions: int, seconds: float
    ) -> None:
        self.batch_size.observe(len(inserts) + completions)
        self.commit_seconds.observe(seconds)
        counts: dict[str, int] = {}
        for event in inserts:
            action = event.action.value
            counts[action] = counts.get(action, 0) + 1
        for action, count in counts.items():
            self.entries_written.labels(action).inc(count)

    def logs_grew(self, tenants: Mapping[uuid.UUID, int]) -> None:
        """Not measured: the writes are counted by `batch_written` (log streams listen)."""

    def durable_waited(self, seconds: float, refused: bool) -> None:
        self.durable_wait_seconds.observe(seconds)
        if refused:
            self.refused.inc()

    # -- the scheduler -----------------------------------------------------------------------

    def task_ran(self, task: str, outcome: str) -> None:
        self.task_runs.labels(task, outcome).inc()
