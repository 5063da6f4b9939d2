"""What the portal tells Prometheus, and how it is read: the metrics, their exposition and its bearer token.

A metric is recorded in whichever process does the work: a gunicorn worker times its requests, a Celery pool
process its certificates and failed tasks. With ``PROMETHEUS_MULTIPROC_DIR`` set, each process writes its
values to files there and an exposition adds up every file (prometheus-client's multiprocess mode), so one
scrape of any gunicorn worker, or of a Celery worker's own port, reports the whole service; without it the
process keeps its values in memory (one development process). Labels are URL rules, methods, statuses, task
names and outcomes, never a path, a query or anything a person typed. No Flask here: the worker serves the
same exposition without it.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

PATH = "/metrics"
UNMATCHED = "(no route)"  # a request no URL rule matched: its path is never a label
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # any other is "other"

REQUEST_SECONDS = Histogram(
    "madoguchi_http_request_duration_seconds",
    "Time from the start of a request to its response, by URL rule and method.",
    ["route", "method"],
)
REQUESTS = Counter(
    "madoguchi_http_requests", "Responses by URL rule, method and status code.", ["route", "method", "status"]
)
CERTIFICATE_RENDER_SECONDS = Histogram(
    "madoguchi_certificate_render_seconds",
    "Rendering and signing one certificate PDF in the worker, by outcome (rendered or failed).",
    ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
)
TASK_FAILURES = Counter("madoguchi_celery_task_failures", "Celery tasks that raised, by task name.", ["task"])


def observe_request(route: str | None, method: str, status: int, seconds: float) -> None:
    route = route or UNMATCHED
    method = method if method in METHODS else "other"  # a client may send any token as its method
    REQUEST_SECONDS.labels(route, method).observe(seconds)
    REQUESTS.labels(route, method, str(status)).inc()


@contextmanager
def rendering_timed() -> Iterator[None]:
    """Time rendering and signing one certificate; an exception leaving the block counts as ``failed``."""
    started = time.perf_counter()
    outcome = "failed"
    try:
        yield
        outcome = "rendered"
    finally:
        CERTIFICATE_RENDER_SECONDS.labels(outcome).observe(time.perf_counter() - started)


class QueueLengths:
    """The broker's queue lengths, read when Prometheus scrapes (a gauge kept between scrapes would be stale).

    ``read`` returns {queue: messages waiting}, or None when the broker cannot be read: then no sample, rather
    than a zero that would look like an empty queue."""

    def __init__(self, read: Callable[[], Mapping[str, int] | None]) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        lengths = self.read()
        if lengths is None:
            return
        family = GaugeMetricFamily(
            "madoguchi_celery_queue_length", "Messages waiting in the broker for a Celery worker.", labels=["queue"]
        )
        for queue, length in sorted(lengths.items()):
            family.add_metric([queue], length)
        yield family


def exposition_registry(multiprocess_dir: Path | None, *collectors: Any) -> CollectorRegistry:
    """Every process's metrics from ``multiprocess_dir``, else this process's own; then ``collectors``."""
    registry = CollectorRegistry()
    if multiprocess_dir is not None:
        registry.register(_ProcessFiles(multiprocess_dir))
    else:
        registry.register(REGISTRY)  # a registry is a collector: this process's metrics, with its own process stats
    for collector in collectors:
        registry.register(collector)
    return registry


class _ProcessFiles:
    """prometheus-client's MultiProcessCollector, leaving out empty files: a process creates its file before
    sizing it, and reading one at that moment fails the whole scrape, for good if the process was killed then
    (prometheus/client_python#1199). An empty file holds nothing yet."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def collect(self) -> Iterable[Metric]:
        files = [str(path) for path in self.directory.glob("*.db") if path.stat().st_size > 0]
        return MultiProcessCollector.merge(files, accumulate=True)


def exposition_app(registry: CollectorRegistry, token: str) -> WSGIApp:
    """The metrics as Prometheus reads them, only for a request presenting ``Authorization: Bearer <token>``;
    anyone else gets 401 and learns nothing."""
    serve = make_wsgi_app(registry)
    expected = f"Bearer {token}".encode()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        presented = environ.get("HTTP_AUTHORIZATION", "").encode("latin-1")
        if not hmac.compare_digest(presented, expected):
            start_response(
                "401 Unauthorized",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("WWW-Authenticate", 'Bearer realm="metrics"'),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [b"A bearer token is required.\n"]

        def no_store(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            return start_response(status, [*headers, ("Cache-Control", "no-store")], *exc_info)

        return serve(environ, no_store)

    return app
