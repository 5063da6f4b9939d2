"""Stored files nothing refers to any more (a draft's removed upload, a purged case's attachments): noted in the
session while its transaction runs, deleted from the storage once it commits (portal/web/attachments.py listens),
so a rolled-back change keeps them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

ORPHANED = "madoguchi.orphaned_attachments"  # Session.info: storage keys nothing refers to any more


def let_go(session: Session, keys: Iterable[str]) -> None:
    session.info.setdefault(ORPHANED, set()).update(keys)


def orphaned_in(session: Session) -> set[str]:
    """The storage keys the session's transaction stopped referring to (taken: asking again gives none)."""
    return session.info.pop(ORPHANED, set())  # type: ignore[no-any-return]
