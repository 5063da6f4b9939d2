"""Cases past their 保存期間 purged by beat, once a day (portal/services/retention.py says what goes and what stays).

Each case is purged and committed on its own: its municipality's audit chain is locked only that long, and the
files it referred to are deleted from the storage right after its commit. A run that stops half-way, a second run
or a second delivery of the task purges nothing twice: the cases left are found again by the next run.
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import Celery

from portal.database import db
from portal.japan import jst
from portal.services import audit, retention
from portal.web.current import current_procedures

PURGE = "portal.purge_retained_cases"
PURGE_EVERY_SECONDS = 24 * 3600.0  # beat: a 保存期間 counts in days

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    celery.task(name=PURGE)(purge)
    celery.conf.beat_schedule[PURGE] = {"task": PURGE, "schedule": PURGE_EVERY_SECONDS}


def purge() -> None:
    purged = purge_due(audit.SYSTEM)
    if purged:
        log.info("%d case(s) purged past their retention period", purged)


def purge_due(who: audit.Auditor, municipality_code: str | None = None, now: datetime | None = None) -> int:
    """Purge every case due ``now`` (only ``municipality_code``'s when given), each in its own transaction, in the
    audit log under ``who``; how many were purged."""
    procedures = current_procedures()
    now = now or jst.now()
    cases = retention.due(db.session, procedures, now.date(), municipality_code)
    db.session.rollback()  # only read so far
    purged = 0
    for case in cases:
        try:
            purged += retention.purge(db.session, procedures, case, who, now)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - one case that fails must not stop the others; the next run retries it
            db.session.rollback()
            log.error("case %d not purged: %s; the next run tries again", case.submission_id, type(error).__name__)
    return purged
