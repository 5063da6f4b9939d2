"""Expired drafts removed by beat, so what residents typed is not kept longer than ``DRAFT_DAYS``.

Pages never show an expired draft whether or not it has been purged yet; purging only frees the rows. Running
it twice, or late, removes nothing more than once.
"""

from __future__ import annotations

import logging

from celery import Celery
from flask import current_app

from portal.database import db
from portal.services import drafts

PURGE = "portal.purge_expired_drafts"
PURGE_EVERY_SECONDS = 3600.0  # beat: expiry counts in days, so hourly is prompt enough

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    celery.task(name=PURGE)(purge)
    celery.conf.beat_schedule[PURGE] = {"task": PURGE, "schedule": PURGE_EVERY_SECONDS}


def purge() -> None:
    removed = drafts.purge_expired(db.session, current_app.config["DRAFT_DAYS"])
    db.session.commit()
    if removed:
        log.info("%d expired draft(s) removed", removed)
