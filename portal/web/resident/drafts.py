"""Applications in progress, kept in the server-side session until they are submitted.

A draft holds only the inputs its definition reads (anything else a request carries is dropped) within a
size cap, and a session holds a handful of drafts, so nobody can park arbitrary data in the session
store. Each draft carries the one-time token its confirmation page sends back with 申請する: the
submission records it, and a second 申請する with the same token leads to that submission instead of a
second one (see ``SubmissionService.submit``).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

from flask import session

from portal.catalog import ProcedureDefinition, Raw

DRAFTS = "drafts"
MAX_DRAFT_BYTES = 64 * 1024  # serialized; a real form stays far below it
MAX_DRAFTS = 5  # per session; saving another drops the oldest
TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(TOKEN_BYTES) returns


class DraftTooLarge(ValueError):
    """The inputs are larger than any real form produces; nothing was stored."""


@dataclass(frozen=True)
class Draft:
    raw: dict[str, list[str]]
    token: str


def load(key: str) -> Draft | None:
    """The draft saved under ``key``; a value of another shape (a previous release's) counts as none."""
    stored = session.get(DRAFTS, {}).get(key)
    if not isinstance(stored, dict) or not isinstance(stored.get("raw"), dict) or not stored.get("token"):
        return None
    return Draft(raw=stored["raw"], token=stored["token"])


def save(key: str, definition: ProcedureDefinition, raw: Raw) -> Draft:
    """Keep the definition's inputs of ``raw`` under ``key``, with the draft's token (made on first save)."""
    names = {name for field in definition.fields for name in field.field_type.input_names(field)}
    kept = {name: list(values) for name, values in raw.items() if name in names}
    if len(json.dumps(kept, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
        raise DraftTooLarge(key)
    earlier = load(key)
    draft = Draft(raw=kept, token=earlier.token if earlier else secrets.token_urlsafe(TOKEN_BYTES))
    drafts = {k: v for k, v in session.get(DRAFTS, {}).items() if k != key}
    drafts[key] = {"raw": draft.raw, "token": draft.token}
    session[DRAFTS] = dict(list(drafts.items())[-MAX_DRAFTS:])
    return draft


def discard(key: str, token: str) -> None:
    """Drop the draft submitted with ``token``; a newer draft under the same key stays."""
    draft = load(key)
    if draft is not None and draft.token == token:
        session[DRAFTS] = {k: v for k, v in session.get(DRAFTS, {}).items() if k != key}


def well_formed(token: str) -> bool:
    """Whether ``token`` could be one of ours: anything else is not even looked up."""
    return TOKEN_SHAPE.fullmatch(token) is not None
