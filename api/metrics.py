"""Prometheus metrics: per-app registry (no globals), request counts and latencies by route
template, job durations, and index size read at scrape time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.library import LibraryStatus

from .jobs import Job

__all__ = ["Metrics", "RequestObserver"]

log = logging.getLogger("api.access")

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class _IndexCollector(Collector):
    def __init__(self, status: Callable[[], LibraryStatus | None]) -> None:
        self._status = status

    def collect(self) -> Iterator[GaugeMetricFamily]:
        status = self._status()
        if status is None:
            return
        yield GaugeMetricFamily("rag_index_generation", "Published index generation.", status.generation)
        yield GaugeMetricFamily("rag_index_documents", "Documents in the index.", status.documents)
        yield GaugeMetricFamily("rag_index_chunks", "Chunks (vectors) in the index.", status.chunks)


class Metrics:
    def __init__(self, status: Callable[[], LibraryStatus | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rag_http_requests", "HTTP requests.", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "rag_http_request_duration_seconds",
            "HTTP request latency.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.jobs = Histogram(
            "rag_job_duration_seconds",
            "Duration of background jobs (reindex, uploads).",
            ["kind", "status"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_IndexCollector(status))

    def job_finished(self, job: Job) -> None:
        if job.started_at is not None and job.finished_at is not None:
            self.jobs.labels(job.kind, job.status).observe(job.finished_at - job.started_at)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RequestObserver:
    """Counts, times and logs (one structured line) each request. Pure ASGI, so bodies pass
    through untouched; the route label is the path template (`/documents/{document_id}`),
    never the raw path, to keep label sets small."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            elapsed = time.perf_counter() - start
            self.metrics.latency.labels(method, route).observe(elapsed)
            log.info(
                "%s %s %d",
                method,
                scope.get("path", ""),
                status,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                    "key": scope.get("state", {}).get("api_key"),  # its name (security.Gate), never itself
                },
            )
