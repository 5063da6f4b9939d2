"""Work done off the request, by Celery on Redis: ``celery -A portal.tasks worker`` and ``… beat``.

The Celery app belongs to the portal (Flask's Celery pattern): :func:`init_app` builds it from the same
settings, and every task runs in an app context with a database session of its own, which the task
commits. A worker builds the whole portal (catalog, signing keys, database) when Celery asks this package
for its ``app``, so a worker and the app servers cannot disagree about configuration.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import Flask

from portal.tasks import api_keys, certificates, drafts, metrics, notifications, retention, webhooks
from portal.tasks.base import EXTENSION, make_celery


def init_app(app: Flask) -> Celery:
    celery = make_celery(app)
    api_keys.register(celery)
    certificates.register(celery)
    drafts.register(celery)
    notifications.register(celery)
    retention.register(celery)
    webhooks.register(celery)
    app.extensions[EXTENSION] = celery
    return celery


def __getattr__(name: str) -> Any:
    """``celery -A portal.tasks`` asks for ``portal.tasks.app``: only a worker or beat builds the portal."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from portal import create_app

    portal = create_app()
    celery = portal.extensions[EXTENSION]
    metrics.serve_from_worker(celery, portal.config)
    globals()["app"] = celery
    return celery
