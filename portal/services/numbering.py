"""受付番号 and 発行番号: yearly, per municipality, without gaps or duplicates under concurrency."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import NumberSequence, SequenceKind


def next_number(session: Session, municipality_code: str, kind: SequenceKind, year: int) -> int:
    """Take the next value, locking the counter row until the transaction ends (SELECT … FOR UPDATE)."""
    key = {"municipality_code": municipality_code, "kind": kind, "year": year}
    query = select(NumberSequence).filter_by(**key).with_for_update()
    counter = session.scalars(query).one_or_none()
    if counter is None:
        try:
            with session.begin_nested():
                session.add(NumberSequence(**key, last_value=0))
        except IntegrityError:  # another transaction created it first
            pass
        counter = session.scalars(query).one()
    counter.last_value += 1
    session.flush()
    return counter.last_value
