"""Many cases quickly for the queue's tests: submitted through SubmissionService (as the confirmation page does) in
the test's transaction, by residents made for them, and moved through transitions by staff made for them."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Municipality, Resident, Staff, Submission
from portal.procedures import EXTENSION, Procedures
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.services.submissions import SubmissionService
from portal.workflow import Condition
from tests.web.journeys import JUMINHYO_ANSWERS, SODAI_GOMI_ANSWERS, csrf_token, validated

_serial = count(1)
ANSWERS = {"juminhyo": JUMINHYO_ANSWERS, "sodai_gomi": SODAI_GOMI_ANSWERS}
FACTS = frozenset({Condition.RECORD_MATCH, Condition.PAID})


def procedures(app: Flask) -> Procedures:
    return app.extensions[EXTENSION]


def resident(
    session: Session, family: str = "山田", given: str = "太郎", kana: tuple[str, str] = ("ヤマダ", "タロウ")
) -> Resident:
    profile = {"family_name": family, "given_name": given, "family_name_kana": kana[0], "given_name_kana": kana[1]}
    made = Resident(subject=f"queue-resident-{next(_serial)}", profile=profile)
    session.add(made)
    session.flush()
    return made


def staff(session: Session, code: str, name: str, *roles: Role) -> ActingUser:
    """A staff member of ``code`` (the demo staff exist only once they have logged in)."""
    made = Staff(municipality_code=code, subject=f"queue-staff-{next(_serial)}", name=name, role_values=list(roles))
    session.add(made)
    session.flush()
    return ActingUser.of_staff(made)


def submit(
    app: Flask,
    session: Session,
    code: str,
    slug: str = "juminhyo",
    *,
    by: Resident | None = None,
    names: dict[str, str] | None = None,
    submitted_at: datetime | None = None,
) -> Submission:
    """One case of ``slug`` to municipality ``code``, answered like the journeys' answers with ``names`` instead."""
    applicant = by or resident(session)
    found = procedures(app)
    published = found.published(session)
    definition = published.definition(slug)
    assert definition is not None
    answers = validated(definition, {**ANSWERS[slug], **(names or {})})
    municipality = session.get_one(Municipality, code)
    made = SubmissionService(session, found, ActingUser.of_resident(applicant)).submit(
        municipality, definition, answers, f"queue-token-{next(_serial)}"
    )
    if submitted_at is not None:
        made.submitted_at = submitted_at
        session.flush()
    return made


def fire(
    app: Flask,
    session: Session,
    submission: Submission,
    actor: ActingUser,
    name: str,
    comment: str | None = None,
    **inputs: Any,
) -> None:
    raw = {key: [value] for key, value in inputs.items()}
    SubmissionService(session, procedures(app), actor).fire(submission, name, comment, FACTS, raw or None)


def search(client: FlaskClient, **fields: str):  # type: ignore[no-untyped-def]
    """The queue as the search form shows it: posted, then the page it leads to, whose URL never carries what was
    typed in the search box (a name is personal data), only the session's token for it."""
    answer = client.post("/backoffice/search", data={**fields, "csrf_token": csrf_token(client, "/backoffice/")})
    assert answer.status_code == 303, answer.status_code
    location = answer.headers["Location"]
    typed = fields.get("q", "").strip()
    params = parse_qs(urlsplit(location).query)
    assert "q" not in params, location
    assert not typed or all(typed not in v for k, values in params.items() if k != "search" for v in values), location
    assert not typed or len(params["search"]) == 1 and params["search"][0] != typed  # a token, never the text
    return client.get(location)


def search_token(client: FlaskClient, typed: str) -> str:
    """The token the session keeps for the search ``typed`` (what the queue's links and forms carry)."""
    location = client.post(
        "/backoffice/search", data={"q": typed, "csrf_token": csrf_token(client, "/backoffice/")}
    ).headers["Location"]
    return parse_qs(urlsplit(location).query)["search"][0]


def references(page: str) -> list[str]:
    """The 受付番号 of the queue's rows, in order."""
    return re.findall(r'href="/backoffice/submissions/([0-9-]+)"', page)


def of(session: Session, reference: str, code: str = "999997") -> Submission:
    return session.scalars(select(Submission).filter_by(municipality_code=code, reference=reference)).one()
