"""What the API reads and remembers beyond the services the pages share: a municipality's cases by last change, a
page at a time by keyset, and the answers given to POSTs carrying an ``Idempotency-Key``, kept for a day: a client
retries within minutes, and a key kept for ever would fill a table with answers nobody asks for again.

The list runs in (updated_at, id) order, one range of ``ix_submission_updated``: a client that keeps the
``updated_at`` of the last case it saw asks for ``updated_since`` it next time and misses no change. Its cursor is
the queue's (portal.services.queue.Cursor): two integers, nothing personal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import IdempotentRequest, Submission
from portal.services.queue import Cursor, QueueFilter

KEYS_KEPT_FOR = timedelta(hours=24)  # as Stripe, whose API made the header common, keeps its keys
# The token codec of the queue's (submitted_at, id) views serves (updated_at, id) alike.
_DATETIME_ORDER = QueueFilter()


@dataclass(frozen=True)
class CaseFilter:
    procedure: str | None = None
    state: str | None = None
    updated_since: datetime | None = None  # included


@dataclass(frozen=True)
class CasePage:
    cases: list[Submission]
    next: str | None  # the cursor of the following page; None on the last


def parse_cursor(token: str) -> Cursor:
    """ValueError (or OverflowError) when ``token`` is not a cursor this list gave."""
    return Cursor.parse(token, _DATETIME_ORDER)


def case_page(session: Session, code: str, filters: CaseFilter, after: Cursor | None, size: int) -> CasePage:
    """Municipality ``code``'s cases matching ``filters`` in (updated_at, id) order, strictly after ``after``."""
    key = tuple_(Submission.updated_at, Submission.id)
    query = select(Submission).where(Submission.municipality_code == code)
    if filters.procedure:
        query = query.where(Submission.procedure == filters.procedure)
    if filters.state:
        query = query.where(Submission.state == filters.state)
    if filters.updated_since is not None:
        query = query.where(Submission.updated_at >= filters.updated_since)
    if after is not None:
        query = query.where(key > (after.position, after.id))
    rows = list(session.scalars(query.order_by(Submission.updated_at, Submission.id).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if more else None
    return CasePage(rows, Cursor(last.updated_at, last.id).token if last is not None else None)


class KeyReused(Exception):
    """The Idempotency-Key was sent before with another request (another case, transition or body)."""


def remembered(session: Session, token_id: int, key: str, fingerprint: str) -> IdempotentRequest:
    """The answer kept for ``key``, or a placeholder for it that :func:`remember` fills once the request has
    succeeded (``status`` 0 until then). The placeholder is written first: a concurrent request with the same key
    waits on it, then finds the first one's answer, so the transition fires once."""
    query = select(IdempotentRequest).filter_by(token_id=token_id, key=key)
    found = session.scalars(query).one_or_none()
    if found is None:
        try:
            with session.begin_nested():
                found = IdempotentRequest(token_id=token_id, key=key, fingerprint=fingerprint, status=0, response={})
                session.add(found)
        except IntegrityError:  # the same key committed meanwhile by a concurrent request
            found = session.scalars(query).one()
    if found.fingerprint != fingerprint:
        raise KeyReused(key)
    return found


def remember(session: Session, request: IdempotentRequest, status: int, response: dict[str, Any]) -> None:
    request.status, request.response = status, response
    session.flush()


def forget_keys(session: Session, now: datetime) -> int:
    """Forget the keys sent more than ``KEYS_KEPT_FOR`` before ``now`` (the same key may then fire again); how many."""
    forgotten = session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < now - KEYS_KEPT_FOR))
    return forgotten.rowcount  # type: ignore[attr-defined, no-any-return]
