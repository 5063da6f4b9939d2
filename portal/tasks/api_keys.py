"""The API's idempotency keys forgotten by beat once a day has passed (portal.services.api_cases.KEYS_KEPT_FOR).

A run that is late, or delivered twice, forgets nothing it should not: the age alone decides.
"""

from __future__ import annotations

import logging

from celery import Celery

from portal.database import db
from portal.models.base import utcnow
from portal.services import api_cases

FORGET = "portal.forget_idempotency_keys"
FORGET_EVERY_SECONDS = 3600.0  # beat: keys are kept for a day, so hourly keeps the table at about a day's worth

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    celery.task(name=FORGET)(forget)
    celery.conf.beat_schedule[FORGET] = {"task": FORGET, "schedule": FORGET_EVERY_SECONDS}


def forget() -> None:
    forgotten = api_cases.forget_keys(db.session, utcnow())
    db.session.commit()
    if forgotten:
        log.info("%d idempotency key(s) older than a day forgotten", forgotten)
