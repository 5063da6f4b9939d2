"""The content version: one row whose token changes in every transaction that changes what the public pages show
(a municipality, the procedures it offers, a published catalog version).

Each process keeps copies of those in memory (portal.contentcache) and trusts them only while the token they were
read under is still the stored one. The token is bumped on every ORM flush that touches those rows, whatever made
it (the municipality settings services, ``flask catalog publish``, the demo data, a test), inside that transaction:
a rolled-back change leaves the old token, a committed one is seen by every app server at its next check. A token
is random, never a counter, so a rolled-back one is never handed out again for other content.
"""

from __future__ import annotations

import uuid
from itertools import chain
from typing import Any

from sqlalchemy import String, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.models.base import Base
from portal.models.tenancy import Municipality, MunicipalityProcedure
from portal.models.versions import CatalogVersion

ROW = 1
WATCHED = (Municipality, MunicipalityProcedure, CatalogVersion)
CHANGED = "madoguchi.content_changed"  # in Session.info: this transaction has bumped the token


class ContentVersion(Base):
    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # the one row is ROW, inserted by its migration
    token: Mapped[str] = mapped_column(String(32))


def new_token() -> str:
    return uuid.uuid4().hex


def changes_content(session: Session) -> bool:
    """Whether the flush under way adds, changes or deletes a watched row (a no-op assignment changes nothing)."""
    if any(isinstance(instance, WATCHED) for instance in chain(session.new, session.deleted)):
        return True
    return any(
        isinstance(instance, WATCHED) and session.is_modified(instance, include_collections=False)
        for instance in session.dirty
    )


@event.listens_for(Session, "after_flush")
def _bump(session: Session, _context: Any) -> None:
    if changes_content(session):  # still the flush's lists: after_flush runs before they are reset
        session.connection().execute(update(ContentVersion).filter_by(id=ROW).values(token=new_token()))
        session.info[CHANGED] = True
