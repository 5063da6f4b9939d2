"""A refused write's error in the logs: PostgreSQL quotes the row or key it refused in a DETAIL line, which
SQLAlchemy's hide_parameters does not reach; both log formats write the error without it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.config import LogFormat
from portal.models import Resident
from portal.web import requestlog

SECRET = "秘密山花子"


@pytest.fixture(params=[LogFormat.JSON, LogFormat.TEXT])
def written(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """What the portal's handler writes, in each format; stderr again afterwards."""
    output = io.StringIO()
    requestlog.configure_logging(request.param, output)
    yield output
    requestlog.configure_logging(LogFormat.JSON)


def log_both_ways(error: BaseException) -> None:
    """As Flask logs an unhandled error (the traceback), and as Celery logs a failed task (the repr in the message)."""
    log = logging.getLogger("portal.test")
    try:
        raise error
    except BaseException:
        log.exception("Exception on /somewhere [POST]")
    log.error("Task portal.something raised unexpected: %r", error)


def test_a_detail_line_is_blanked_in_the_message_and_the_traceback(written: io.StringIO) -> None:
    log_both_ways(RuntimeError(f'null value in column "subject"\nDETAIL:  Failing row contains (7, {SECRET}).'))
    text = written.getvalue()
    assert SECRET not in text
    assert text.count(requestlog.DETAIL_HIDDEN) == 2 and "null value in column" in text
    if text.startswith("{"):
        assert all(json.loads(line) for line in text.splitlines())  # still one JSON object a line


@pytest.mark.postgresql
def test_postgresqls_failing_row_never_reaches_the_log(written: io.StringIO, db_session: Session) -> None:
    db_session.add(Resident(subject=None, profile={"family_name": SECRET}))
    with pytest.raises(IntegrityError) as refused:
        db_session.flush()
    db_session.rollback()
    assert SECRET in str(refused.value)  # what would have been written

    log_both_ways(refused.value)
    text = written.getvalue()
    assert SECRET not in text
    assert "NotNullViolation" in text and requestlog.DETAIL_HIDDEN in text
