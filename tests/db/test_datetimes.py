"""Timestamps keep their instant on every backend (SQLite stores no offset)."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.japan import jst
from portal.models import Resident


def test_a_jst_timestamp_reads_back_as_the_same_instant(db_session):
    login_at = jst.now().replace(microsecond=0)
    db_session.add(Resident(subject="someone", profile={}, last_login_at=login_at))
    db_session.flush()
    db_session.expire_all()

    stored = db_session.query(Resident).one().last_login_at

    assert stored == login_at
    assert stored.astimezone(jst.JST).hour == login_at.hour


def test_a_naive_timestamp_is_refused(db_session):
    db_session.add(Resident(subject="someone", profile={}, last_login_at=datetime(2026, 4, 1, 9, 0)))
    with pytest.raises(Exception, match="naive datetime"):
        db_session.flush()
