"""Steps of the resident and staff journeys, shared by the journey and bad-input tests."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import catalog
from portal.catalog import ProcedureDefinition
from portal.certificates import CertificateRenderer, TemplateSource
from portal.database import db
from portal.japan import jst
from portal.models import Certificate, NamedSequence, Submission, TransitionRecord
from portal.procedures import EXTENSION
from portal.web.current import current_published
from portal.web.sessions import LAST_SEEN, LOGGED_IN_AT
from tests.web.conftest import login

JUMINHYO_ANSWERS = {
    "family_name": "山田",
    "given_name": "太郎",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "タロウ",
    "birthdate-era": "showa",
    "birthdate-year": "60",
    "birthdate-month": "4",
    "birthdate-day": "12",
    "postal_code": "100-0001",
    "address": "東京都千代田区千代田1-1",
    "phone": "03-1234-5678",
    "request_by": "self",
    "scope": "self",
    "items": ["relationship"],
    "copies": "2",
    "purpose": "employment",
    "receipt_method": "counter",
    "payment_method": "counter",
}

# 山田 太郎 as a clerk reads him from his card at the counter (portal.catalog.counter's first page): the demo
# 住民記録's P0001, the address written as the card has it.
COUNTER_APPLICANT = {
    "counter_family_name": "山田",
    "counter_given_name": "太郎",
    "counter_family_name_kana": "ヤマダ",
    "counter_given_name_kana": "タロウ",
    "counter_birthdate-era": "showa",
    "counter_birthdate-year": "60",
    "counter_birthdate-month": "4",
    "counter_birthdate-day": "12",
    "counter_gender": "male",
    "counter_postal_code": "1000001",
    "counter_address": "東京都千代田区千代田1-1",
    "counter_notify": "none",
}

COLLECTION_DAY = jst.today() + timedelta(days=14)  # within the 3 months ahead sodai_gomi accepts
SODAI_GOMI_ANSWERS = {
    "family_name": "佐藤",
    "given_name": "花子",
    "phone": "090-1234-5678",
    "postal_code": "1000005",
    "collection_address": "東京都千代田区丸の内1-9-1",
    "items-sofa": "1",
    "items-bicycle": "2",
    "preferred_date-era": "seireki",
    "preferred_date-year": str(COLLECTION_DAY.year),
    "preferred_date-month": str(COLLECTION_DAY.month),
    "preferred_date-day": str(COLLECTION_DAY.day),
}


def date_inputs(name: str, day: date) -> dict[str, str]:
    """A date field's inputs as the form sends them, in 西暦."""
    parts = {"era": "seireki", "year": str(day.year), "month": str(day.month), "day": str(day.day)}
    return {f"{name}-{part}": value for part, value in parts.items()}


MOVING_DAY = jst.today() + timedelta(days=7)  # within the 14 days either side that tenshutsu accepts
# 山田 太郎 notifies that his wife and a son (P0002 山田 優子, P0003 山田 翔太 in the demo records) move to Osaka.
TENSHUTSU_ANSWERS = {
    "family_name": "山田",
    "given_name": "太郎",
    "phone": "03-1234-5678",
    "movers": ["P0002", "P0003"],
    **date_inputs("moving_date", MOVING_DAY),
    "new_postal_code": "530-0005",
    "new_address": "大阪府大阪市北区中之島1-3-20 中之島レジデンス1201号室",
    "new_head_name": "山田 優子",
    "receipt_method": "counter",
}


def validated(definition: ProcedureDefinition, answers: dict, choices: dict | None = None) -> dict[str, Any]:
    """``answers`` (shaped like the constants above) as the confirmation page submits them; ``choices`` are a
    household_members field's, as the web layer supplies them from the recorded household."""
    raw = {key: value if isinstance(value, list) else [value] for key, value in answers.items()}
    result = catalog.validate(definition, raw, choices=choices)
    assert result.ok, result.errors
    return result.values


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict, *, token_from: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token})


def move_clock(client: FlaskClient, *, idle_for: int | None = None, logged_in_for: int | None = None) -> None:
    """Pretend the last request came ``idle_for`` seconds ago and the login ``logged_in_for`` seconds ago."""
    with client.session_transaction() as session:
        for key, ago in ((LAST_SEEN, idle_for), (LOGGED_IN_AT, logged_in_for)):
            if ago is not None:
                session[key] = int(time.time()) - ago


@contextmanager
def request_in_flight(browser: FlaskClient) -> Iterator[None]:
    """A slow request of ``browser`` (another tab, a download) that has loaded the session and noted the
    activity; it finishes when the block ends: the session is saved as it loaded it, and the browser takes
    whatever cookie that response sets. Flask's own session_transaction, so the app's real session store."""
    with browser.session_transaction() as session:
        session[LAST_SEEN] = int(time.time())
        yield


def hidden_inputs(client: FlaskClient, path: str) -> dict[str, str]:
    """What the page's form sends without the user typing it (CSRF token, the one-time submission token)."""
    page = client.get(path)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))


def form_pages(client: FlaskClient, slug: str) -> list[str]:
    """The keys of the form's pages, in order, as published now for ``client``'s portal."""
    with client.application.app_context():
        definition = current_published(db.session).definition(slug)
        assert definition is not None, f"{slug} is not published"
        return [page.key for page in definition.pages]


def fill_in(client: FlaskClient, code: str, slug: str, answers: dict, pages: list[str] | None = None):  # type: ignore[no-untyped-def]
    """Answer the form page by page from the first, pressing 次へ on each and sending it ``answers`` (a page keeps
    only its own inputs). Returns the response of the first page that does not move on (its errors, a refusal),
    else the last page's redirect to the confirmation page. ``pages``: the form's page keys, for a browser of a
    portal in another process (else they are read from ``client``'s app)."""
    path = f"/{code}/procedures/{slug}/apply"
    for page in pages or form_pages(client, slug):
        response = post_form(client, f"{path}?page={page}", {**answers, "action": "next"})
        if response.status_code != 302 or not response.headers["Location"].startswith(f"{path}?page="):
            return response
    return response


def apply(client: FlaskClient, code: str, slug: str, answers: dict, pages: list[str] | None = None) -> str:
    """Fill in every page, confirm, submit; return the 受付番号."""
    form = fill_in(client, code, slug, answers, pages)
    assert form.status_code == 302, form.text
    confirm_path = f"/{code}/procedures/{slug}/confirm"
    assert form.headers["Location"] == confirm_path
    submitted = client.post(confirm_path, data=hidden_inputs(client, confirm_path))
    return receipt_reference(code, submitted)


def receipt_reference(code: str, response: Any) -> str:
    """The 受付番号 of the receipt a response redirects to."""
    assert response.status_code == 302, response.text
    match = re.fullmatch(rf"/{code}/applications/([0-9-]+)/receipt", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def fire(client: FlaskClient, reference: str, transition: str, comment: str | None = None, **inputs: str):  # type: ignore[no-untyped-def]
    """Press a transition's button on the case page, with its comment and ``inputs`` (the fields' form keys)."""
    page = f"/backoffice/submissions/{reference}"
    data = {**({"comment": comment} if comment is not None else {}), **inputs}
    return post_form(client, f"{page}/transitions/{transition}", data, token_from=page)


def refused_comment(response: Any, transition: str) -> str:
    """The error a refused decision's comment is marked with on the case page it returns (200), the way a resident's
    form marks a field: the error summary links to the textarea, which is aria-invalid and described by the
    message under its label; what was typed stays in it. Returns the message."""
    assert response.status_code == 200, response.status_code
    page = html.unescape(response.text)
    box = f"comment-{transition}"
    summary = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    assert summary, "no error summary on the case page"
    linked = re.search(rf'<a href="#{box}">([^<]+)</a>', summary.group(0))
    assert linked, f"the error summary does not link to #{box}"
    error = re.search(
        rf'<p class="field__error" id="{box}-error"><span class="visually-hidden">エラー：</span>([^<]+)</p>', page
    )
    assert error and error.group(1) == linked.group(1)
    textarea = re.search(rf'<textarea id="{box}"[^>]*>', page)
    assert textarea and 'aria-invalid="true"' in textarea.group(0)
    assert re.search(rf'aria-describedby="[^"]*\b{box}-error\b', textarea.group(0))
    assert re.search(r"<title>エラー: ", page)
    return linked.group(1)


def collection_date(day: date) -> dict[str, str]:
    """sodai_gomi's 収集日 (filled when completing) as the case page's form sends it, in 西暦."""
    return date_inputs("collection_date", day)


def approve_juminhyo(make_client: Any, reference: str, *, clerk: str, approver: str) -> FlaskClient:
    """Review and 決裁 by two staff members; returns the clerk's client, ready to fire 交付."""
    clerk_client, approver_client = make_client("staff", clerk), make_client("staff", approver)
    for client, transition in ((clerk_client, "start_review"), (clerk_client, "request_approval")):
        assert fire(client, reference, transition).status_code == 302
    assert fire(approver_client, reference, "approve").status_code == 302
    return clerk_client


def decide_juminhyo(make_client: Any, reference: str, *, clerk: str, approver: str):  # type: ignore[no-untyped-def]
    """Review and 決裁 by two staff members, then fire 交付; returns the clerk's client and the 交付 response."""
    clerk_client = approve_juminhyo(make_client, reference, clerk=clerk, approver=approver)
    return clerk_client, fire(clerk_client, reference, "issue")


def issued(client: FlaskClient, make_client: Any, db_session: Session) -> tuple[str, Certificate]:
    """A 住民票の写し applied for by 山田 太郎 (logged in on ``client``) and issued by 見本市, the one municipality
    with a signing key in the tests; returns the 受付番号 and the certificate."""
    login(client, "resident", "resident-yamada")
    reference = apply(client, "999997", "juminhyo", JUMINHYO_ANSWERS)
    _, response = decide_juminhyo(make_client, reference, clerk="staff-mihon-clerk", approver="staff-mihon-approver")
    assert response.status_code == 302
    db_session.expire_all()
    return reference, db_session.scalars(select(Certificate).order_by(Certificate.id.desc())).first()


def verify_path(certificate: Certificate) -> str:
    """The certificate's public /verify address, as its QR code carries it."""
    return f"/verify/{certificate.issue_number}?c={certificate.verification_code}"


def state_of(db_session, code: str, reference: str) -> str:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.query(Submission).filter_by(municipality_code=code, reference=reference).one().state


def db_state(db_session: Session) -> tuple[Any, ...]:
    """Everything a refused request must leave alone: submissions (state, answers, number), history (with its
    inputs), certificates and the workflows' number series."""
    db_session.expire_all()
    submissions = db_session.execute(
        select(
            Submission.municipality_code,
            Submission.reference,
            Submission.state,
            Submission.answers,
            Submission.assigned_number,
        ).order_by(Submission.id)
    ).all()
    history = db_session.execute(
        select(
            TransitionRecord.id, TransitionRecord.transition, TransitionRecord.to_state, TransitionRecord.inputs
        ).order_by(TransitionRecord.id)
    ).all()
    certificates = db_session.execute(
        select(Certificate.issue_number, Certificate.revoked_at, Certificate.revocation_reason).order_by(Certificate.id)
    ).all()
    series = db_session.execute(
        select(NamedSequence.municipality_code, NamedSequence.name, NamedSequence.year, NamedSequence.last_value)
    ).all()
    return (
        tuple(map(tuple, submissions)),
        tuple(map(tuple, history)),
        tuple(map(tuple, certificates)),
        tuple(sorted(map(tuple, series))),
    )


def flashed(client: FlaskClient, response: Any) -> str:
    """Follow a redirect and return the page text the user then sees (flash messages included)."""
    assert response.status_code in (302, 303), response.status_code
    return html.unescape(client.get(response.headers["Location"]).text)


BROKEN_JUMINHYO = (
    '{% extends "_base.html" %}{% block body %}{{ record.persons[0].birthdate|wareki }}'
    "{{ record.persons[0].name.family|wareki }}{% endblock %}"
)


class _BrokenRenderer(CertificateRenderer):
    """Prints every certificate with a juminhyo template that has a data error on line 1: what a change to the
    code the templates call (a filter, WeasyPrint) can do to a version that printed when it was published."""

    def render_html(self, template: str | TemplateSource, context: Any) -> str:
        layouts = {p.name: p.read_text(encoding="utf-8") for p in self.templates_dir.glob("_*.html")}
        return super().render_html(TemplateSource("juminhyo", {**layouts, "juminhyo.html": BROKEN_JUMINHYO}), context)


def break_template(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on ``app`` fails to print any certificate, whichever template version it is given."""
    monkeypatch.setattr(app.extensions[EXTENSION], "certificates", _BrokenRenderer())
