"""``/healthz``, ``/readyz`` and ``/metrics``, answered in front of the portal.

They are WSGI middleware rather than views, so a probe every few seconds never opens a session, passes CSRF
or a rate limit, writes a request log record or takes a database session of the portal's: ``/healthz`` says
the process answers (a supervisor restarts it when not), ``/readyz`` says whether it can serve (the load
balancer sends it visitors only then), ``/metrics`` is for Prometheus and exists only with ``METRICS_TOKEN``
(otherwise the portal's 404). Every answer is ``no-store``; none names a host, a URL or an error's text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import redis
from celery import Celery
from flask import Flask
from sqlalchemy import Engine
from werkzeug.wrappers import Response

from portal import metrics
from portal.database import db
from portal.tasks import broker
from portal.tasks.base import EXTENSION

log = logging.getLogger(__name__)

Check = Callable[[], object]  # raises when its dependency cannot be reached
PROBE_TIMEOUT_SECONDS = 2  # Redis: connecting and answering; the broker's connection has its own (portal.tasks.base)


class Probes:
    def __init__(self, portal: metrics.WSGIApp, checks: Mapping[str, Check], metrics_app: metrics.WSGIApp | None):
        self.portal = portal
        self.checks = checks
        self.metrics_app = metrics_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == metrics.PATH and self.metrics_app is not None:
            return self.metrics_app(environ, start_response)
        answer = {"/healthz": self.alive, "/readyz": self.ready}.get(path)
        if answer is None:
            return self.portal(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            response = Response("GET only\n", 405, {"Allow": "GET, HEAD"}, mimetype="text/plain")
        else:
            response = answer()
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response(environ, start_response)

    def alive(self) -> Response:
        return Response("ok\n", mimetype="text/plain")

    def ready(self) -> Response:
        """Each dependency in turn; 503 naming the ones that did not answer (their error's class is logged)."""
        results = {}
        for name, check in self.checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as error:  # noqa: BLE001 - any failure means not ready, and is reported as such
                log.warning("not ready: %s unreachable (%s)", name, type(error).__name__)
                results[name] = "unreachable"
        ready = all(result == "ok" for result in results.values())
        body = json.dumps({"status": "ready" if ready else "unavailable", "checks": results})
        return Response(body, 200 if ready else 503, mimetype="application/json")


def init_app(app: Flask) -> None:
    """Call once the database and the tasks are set up: the checks use this app's engine and broker."""
    engine = db.engine
    assert engine is not None
    checks: dict[str, Check] = {"database": lambda: _select_one(engine)}
    if url := app.config["REDIS_URL"]:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT_SECONDS, socket_timeout=PROBE_TIMEOUT_SECONDS
        )
        checks["redis"] = client.ping
    celery: Celery = app.extensions[EXTENSION]
    collectors = []
    if not celery.conf.task_always_eager:  # a broker exists (only testing runs tasks in the process)
        checks["broker"] = lambda: broker.check_reachable(celery)
        collectors.append(metrics.QueueLengths(lambda: broker.queue_lengths(celery)))
    metrics_app = None
    if token := app.config["METRICS_TOKEN"]:
        registry = metrics.exposition_registry(app.config["METRICS_DIR"], *collectors)
        metrics_app = metrics.exposition_app(registry, token)
    app.wsgi_app = Probes(app.wsgi_app, checks, metrics_app)  # type: ignore[method-assign]


def _select_one(engine: Engine) -> None:
    """A connection from the pool and one round trip, on the driver's own connection: SQLAlchemy would begin a
    transaction (on SQLite a write lock, portal.database), which a probe has no business taking."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    finally:
        connection.close()
