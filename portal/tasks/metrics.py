"""A Celery worker's metrics: failed tasks counted where they ran, and served on the worker's own port.

Tasks run in the worker's pool processes, each writing its metrics to ``PROMETHEUS_MULTIPROC_DIR``; the
worker's main process serves their sum at ``http://<worker>:<WORKER_METRICS_PORT>/metrics`` to whoever
presents ``METRICS_TOKEN`` (portal.config requires both with the port). Each service has a directory of its
own, so an app server's ``/metrics`` never holds the worker's figures, nor the reverse: Prometheus scrapes
each where it runs, on every machine. The queue lengths are the app servers' to report: they are read from
the broker, and are worth most when no worker is up.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from celery import Celery, Task
from celery.signals import task_failure, worker_process_shutdown, worker_ready
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.multiprocess import mark_process_dead

from portal import metrics

log = logging.getLogger(__name__)


@task_failure.connect
def _count_failure(sender: Task | None = None, **_details: Any) -> None:
    """Only the task's name: its arguments and the exception's text may hold what a person wrote."""
    metrics.TASK_FAILURES.labels(sender.name if sender is not None else "unknown").inc()


def serve_from_worker(celery: Celery, config: Mapping[str, Any]) -> None:
    """Where ``celery -A portal.tasks`` builds the portal: with ``WORKER_METRICS_PORT``, the worker serves its
    metrics once it is ready (beat never is, so it serves none)."""
    port, directory = config["WORKER_METRICS_PORT"], config["METRICS_DIR"]
    if port is None:
        return
    app = metrics.exposition_app(metrics.exposition_registry(directory), config["METRICS_TOKEN"])

    def serve(**_signal: Any) -> None:
        server = make_server("", port, app, ThreadingWSGIServer, handler_class=_Quiet)
        threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
        log.info("metrics served on port %d", port)

    def forget_process(**_signal: Any) -> None:
        """prometheus-client's bookkeeping for a pool process that ends (as gunicorn's child_exit does)."""
        mark_process_dead(os.getpid(), str(directory))

    worker_ready.connect(serve, weak=False)
    worker_process_shutdown.connect(forget_process, weak=False)


class _Quiet(WSGIRequestHandler):
    """Scrapes are not logged: the request log is the app servers'."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        pass
