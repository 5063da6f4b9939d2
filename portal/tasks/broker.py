"""The Celery broker as operations see it: whether it answers, and how many messages wait for a worker."""

from __future__ import annotations

import logging

from celery import Celery

log = logging.getLogger(__name__)


def check_reachable(celery: Celery) -> None:
    """Connect once, without the retries a publisher makes (a probe must answer quickly); raise if it cannot."""
    with celery.connection_for_read() as connection:
        connection.ensure_connection(max_retries=0)


def queue_lengths(celery: Celery) -> dict[str, int] | None:
    """Messages waiting in the portal's queue (every priority of it), or None when the broker does not answer.

    Declaring the queue, which every worker does too, answers its length; on Redis it writes nothing."""
    queue = celery.conf.task_default_queue
    try:
        with celery.connection_for_read() as connection:
            connection.ensure_connection(max_retries=0)
            return {queue: connection.default_channel.queue_declare(queue=queue).message_count}
    except Exception as error:  # noqa: BLE001 - a scrape must not fail over the broker; readiness reports it
        log.warning("queue lengths not read: the broker did not answer (%s)", type(error).__name__)
        return None
