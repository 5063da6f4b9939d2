"""The portal's Celery app: built from the settings, each task run in an app context of the portal."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask, current_app

EXTENSION = "celery"


def make_celery(app: Flask) -> Celery:
    """Celery configured for ``app``. Without a broker (testing only) tasks run in the calling process."""

    class AppContextTask(Task):  # type: ignore[misc]
        """Flask's Celery pattern: a task gets the app's settings and a database session of its own."""

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    broker_url = app.config["CELERY_BROKER_URL"]
    celery = Celery("portal", task_cls=AppContextTask)
    celery.conf.update(
        broker_url=broker_url or "memory://",
        task_always_eager=broker_url is None,
        broker_connection_retry_on_startup=True,
        # A task is acknowledged when it has finished, so one a lost worker had taken is delivered again by
        # Redis once the visibility timeout has passed. A pool child that dies mid-task (out of memory) is
        # not requeued at once — a certificate that always kills its worker would loop — but left to the
        # sweep. Tasks are idempotent, so a late or second delivery does no harm.
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": app.config["CERTIFICATE_RETRY_SECONDS"],
            "socket_connect_timeout": 3,  # an unreachable broker must not hold the 交付 request for long
            "socket_timeout": 10,
        },
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        task_ignore_result=True,  # the database is the truth, not a result backend
        # The portal's log handler and format (portal.web.requestlog) apply; it writes to stderr itself.
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        beat_schedule={},
    )
    return celery


def current_celery() -> Celery:
    return current_app.extensions[EXTENSION]
