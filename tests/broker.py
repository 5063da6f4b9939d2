"""The real Redis the tests queue Celery tasks in, each test under a key prefix of its own.

Other test runs may share the Redis database at the same time; with its own prefix a test neither takes
their tasks nor sees them (kombu's ``global_keyprefix``, given to the test's portal and to its worker).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery

REDIS_URL = "redis://127.0.0.1:6379/15"
QUEUE = "celery"  # Celery's default queue, the one portal.tasks uses


def use_prefix(celery: Celery, prefix: str) -> None:
    """Before the app first talks to the broker: every key it uses starts with ``prefix``."""
    celery.conf.broker_transport_options = {**celery.conf.broker_transport_options, "global_keyprefix": prefix}


@dataclass(frozen=True)
class Broker:
    store: redis.Redis
    prefix: str

    def queued(self) -> list[tuple[str, list[Any]]]:
        """(task name, arguments) of every message waiting for a worker, oldest first."""
        waiting = [json.loads(raw) for raw in reversed(self.store.lrange(f"{self.prefix}{QUEUE}", 0, -1))]
        return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in waiting]

    def unacknowledged(self) -> int:
        """Messages a worker has taken and not yet acknowledged (redelivered after the visibility timeout)."""
        return int(self.store.hlen(f"{self.prefix}unacked"))

    def clean(self) -> None:
        for key in self.store.scan_iter(f"{self.prefix}*"):
            self.store.delete(key)
