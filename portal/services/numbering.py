"""受付番号, 発行番号 and the numbers workflows give cases (登録番号…): yearly, per municipality, without gaps
or duplicates under concurrency."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.models import NamedSequence, NumberSequence, SequenceKind, Submission
from portal.workflow import Numbering


def next_number(session: Session, municipality_code: str, kind: SequenceKind, year: int) -> int:
    """Take the next value of one of the portal's own series."""
    return _take(session, NumberSequence, municipality_code=municipality_code, kind=kind, year=year)


def assign_number(session: Session, submission: Submission, numbering: Numbering) -> str:
    """The submission's number in ``numbering``'s series, taken the first time only: a case is numbered once
    however often a transition assigning it is fired. The caller holds the submission's row lock."""
    if submission.assigned_number is None:
        year = jst.today().year
        n = _take(
            session, NamedSequence, municipality_code=submission.municipality_code, name=numbering.name, year=year
        )
        submission.assigned_number = numbering.number(year, n)
        submission.number_series = numbering.name
        session.flush()
    return submission.assigned_number


def _take(session: Session, counter_model: type[NumberSequence | NamedSequence], **key: Any) -> int:
    """Take the next value in one statement (``UPDATE … RETURNING``), which locks the counter row until the
    transaction ends: every other taker waits for the commit, so the lock is taken as late, and held as briefly, as
    one round trip allows. The year's first number creates the row."""
    taken = (
        update(counter_model)
        .filter_by(**key)
        .values(last_value=counter_model.last_value + 1)
        .returning(counter_model.last_value)
        .execution_options(synchronize_session=False)  # no counter is kept in the session
    )
    value = session.scalars(taken).one_or_none()
    if value is None:
        try:
            with session.begin_nested():
                session.add(counter_model(**key, last_value=0))
        except IntegrityError:  # another transaction created it first
            pass
        value = session.scalars(taken).one()
    return value
