"""Applications in progress, kept in the database until they are submitted, deleted or expire: a resident's, or a
clerk's entry of a counter application (the same form, the same drafts, owned by the clerk).

A draft holds only the inputs its definition reads (anything else a request carries is dropped) within a size
cap, and a resident (or clerk) keeps a handful of drafts, so nobody can park arbitrary data in the database. Each draft
carries the one-time token its confirmation page sends back with 申請する: the submission records it, and a
second 申請する with the same token leads to that submission instead of a second one (see
``SubmissionService.submit``). A draft always continues on the definition published now: when that changed
since its last save, the inputs of fields the form no longer has are dropped.

A draft expires ``days`` after its last save: from then on it is never shown nor continued (saving starts it
afresh), and :func:`purge_expired`, run by beat, removes it.

Files a draft no longer refers to (removed with 削除, dropped with their field, or with the whole draft when it
is deleted or purged) are noted in the session (portal/services/orphans.py); their bytes are deleted once that
commits, so a rolled-back change keeps them. A submitted draft's files belong to its submission and stay.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from portal.attachments import keys_in
from portal.catalog import ProcedureDefinition
from portal.models import ActorKind, Draft, Municipality, Resident, Staff
from portal.models.base import utcnow
from portal.services.actors import ActingUser
from portal.services.orphans import let_go

MAX_DRAFT_BYTES = 64 * 1024  # serialized; a real form stays far below it
MAX_DRAFTS = 5  # per resident or clerk; saving another drops the one saved longest ago
TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(TOKEN_BYTES) returns


class DraftTooLarge(ValueError):
    """The inputs are larger than any real form produces; nothing was stored."""


@dataclass(frozen=True)
class Resumed:
    draft: Draft
    form_changed: bool  # the definition was published anew since its last save


def well_formed(token: str) -> bool:
    """Whether ``token`` could be one of ours: anything else is not even looked up."""
    return TOKEN_SHAPE.fullmatch(token) is not None


def purge_expired(session: Session, days: int) -> int:
    """Remove every draft last saved more than ``days`` ago, and (after commit) its files; how many there were."""
    expired = Draft.updated_at < _cutoff(days)
    for answers in session.scalars(select(Draft.answers).where(expired)):
        _let_go(session, answers)
    removed = session.execute(delete(Draft).where(expired))
    return removed.rowcount  # type: ignore[attr-defined, no-any-return]


def _let_go(session: Session, before: Mapping[str, Sequence[str]], after: Mapping[str, Sequence[str]] = {}) -> None:  # noqa: B006 - never mutated
    gone = keys_in(before) - keys_in(after)
    if gone:
        let_go(session, gone)


def _cutoff(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def _inputs(definition: ProcedureDefinition) -> set[str]:
    return {name for field in definition.fields for name in field.field_type.input_names(field)}


class DraftService:
    """The acting resident's (or clerk's) drafts in one municipality; anyone else's are never found."""

    def __init__(self, session: Session, actor: ActingUser, days: int) -> None:
        self.session = session
        self.actor = actor
        self.days = days
        staff = actor.kind is ActorKind.STAFF
        self.owner: dict[str, Any] = {"staff_id" if staff else "resident_id": actor.id}
        self.owner_row = (Staff if staff else Resident).id

    def expires_at(self, draft: Draft) -> datetime:
        return draft.updated_at + timedelta(days=self.days)

    def own_drafts(self, municipality: Municipality) -> list[Draft]:
        """Unexpired drafts, the one saved last first."""
        return list(self.session.scalars(self._own(municipality).order_by(Draft.updated_at.desc(), Draft.id.desc())))

    def find(self, municipality: Municipality, slug: str) -> Draft | None:
        return self.session.scalars(self._own(municipality).filter_by(procedure=slug)).one_or_none()

    def resume(self, municipality: Municipality, definition: ProcedureDefinition, version_id: int) -> Resumed | None:
        """The draft for ``definition``, carried over to ``version_id`` (the version published now) if it was
        saved on another: inputs of fields the form no longer has are dropped, and a page it no longer has
        resumes at the first. Reading a draft does not extend its life."""
        draft = self.find(municipality, definition.slug)
        if draft is None:
            return None
        if draft.definition_version_id == version_id:
            return Resumed(draft, form_changed=False)
        names = _inputs(definition)
        kept = {name: values for name, values in draft.answers.items() if name in names}
        _let_go(self.session, draft.answers, kept)
        draft.answers = kept
        draft.definition_version_id = version_id
        if draft.page not in {page.key for page in definition.pages}:
            draft.page = definition.pages[0].key
        self.session.flush()
        return Resumed(draft, form_changed=True)

    def save(
        self,
        municipality: Municipality,
        definition: ProcedureDefinition,
        version_id: int,
        raw: Mapping[str, Sequence[str]],
        page: str,
    ) -> Draft:
        """Keep the definition's inputs of ``raw``, to resume at ``page``; the token is made on the first save.

        Raises :class:`DraftTooLarge`, storing nothing, when the inputs exceed ``MAX_DRAFT_BYTES``. The
        owner's row is locked first, so two tabs saving a first page at once make one draft.
        """
        names = _inputs(definition)
        kept = {name: list(values) for name, values in raw.items() if name in names}
        if len(json.dumps(kept, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
            raise DraftTooLarge(definition.slug)
        self.session.execute(select(self.owner_row).where(self.owner_row == self.actor.id).with_for_update())
        now = utcnow()
        draft = self.session.scalars(
            select(Draft).filter_by(**self.owner, municipality_code=municipality.code, procedure=definition.slug)
        ).one_or_none()
        new = draft is None
        if draft is None:
            draft = Draft(**self.owner, municipality_code=municipality.code, procedure=definition.slug)
            self.session.add(draft)
        if draft.id is None or draft.updated_at < _cutoff(self.days):  # new, or expired: started afresh
            draft.submission_token = secrets.token_urlsafe(TOKEN_BYTES)
            draft.created_at = now
        _let_go(self.session, draft.answers or {}, kept)
        draft.answers = kept
        draft.page = page
        draft.definition_version_id = version_id
        draft.updated_at = now
        self.session.flush()
        if new:  # only a new draft can make one too many
            self._keep_a_handful()
        return draft

    def discard(self, municipality: Municipality, slug: str, token: str) -> None:
        """Drop the draft submitted with ``token``; a newer draft (another token) stays."""
        self.session.execute(
            delete(Draft).filter_by(
                **self.owner, municipality_code=municipality.code, procedure=slug, submission_token=token
            )
        )

    def delete(self, municipality: Municipality, slug: str) -> bool:
        """Delete the owner's unexpired draft for ``slug``; whether there was one."""
        found = self.find(municipality, slug)
        if found is None:
            return False
        _let_go(self.session, found.answers)
        self.session.delete(found)
        self.session.flush()
        return True

    def _own(self, municipality: Municipality) -> Select[tuple[Draft]]:
        return (
            select(Draft)
            .filter_by(**self.owner, municipality_code=municipality.code)
            .where(Draft.updated_at >= _cutoff(self.days))
        )

    def _keep_a_handful(self) -> None:
        beyond = self.session.scalars(
            select(Draft.id)
            .filter_by(**self.owner)
            .order_by(Draft.updated_at.desc(), Draft.id.desc())
            .offset(MAX_DRAFTS)
        ).all()
        if beyond:
            for answers in self.session.scalars(select(Draft.answers).where(Draft.id.in_(beyond))):
                _let_go(self.session, answers)
            self.session.execute(delete(Draft).where(Draft.id.in_(beyond)))
