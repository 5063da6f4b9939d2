"""Which files a draft lets go of, and that only a commit lets them go (portal.services.drafts)."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from portal.attachments import AttachmentRef, keys_in
from portal.services.drafts import _let_go
from portal.services.orphans import ORPHANED, orphaned_in
from portal.web import attachments

A, B = "a" * 32, "b" * 32


def ref(key: str) -> str:
    return json.dumps(AttachmentRef(key, "写真.jpg", "image/jpeg", 10, "0" * 64).to_json(), ensure_ascii=False)


def test_the_keys_of_a_forms_inputs_are_its_references_only() -> None:
    inputs = {"photos": [ref(A), ref(B)], "note": ["{not json"], "name": ["山田"], "forged": ['{"key": "x"}']}
    assert keys_in(inputs) == {A, B}


def test_what_a_draft_stopped_referring_to_is_noted_until_taken() -> None:
    session = Session()
    _let_go(session, {"photos": [ref(A), ref(B)]}, {"photos": [ref(B)]})
    assert session.info[ORPHANED] == {A}
    assert orphaned_in(session) == {A} and orphaned_in(session) == set()


def test_a_rollback_keeps_the_files() -> None:
    attachments.init_app(Flask(__name__))  # the session listeners, as the portal registers them
    with Session(create_engine("sqlite://")) as session:
        session.begin()
        _let_go(session, {"photos": [ref(A)]})
        session.rollback()
        assert orphaned_in(session) == set()
