"""Issuing the official PDF: numbered, dated in 和暦 by the template, rendered once and stored."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog import ProcedureDefinition
from portal.certificates.signing import SigningKeyMissing
from portal.certificates.verification import content_digest
from portal.japan import jst
from portal.models import Certificate, SequenceKind, Submission
from portal.procedures import Procedures
from portal.services.numbering import next_number
from portal.workflow import TransitionRefused


def issue_certificate(
    session: Session, procedures: Procedures, submission: Submission, definition: ProcedureDefinition
) -> Certificate:
    """Render, sign and store the certificate, or refuse the transition (nothing is then kept) when the
    municipality cannot sign: an official document is never delivered unsigned."""
    assert definition.certificate is not None
    signing = procedures.signing
    municipality = submission.municipality
    try:
        signing.signer(municipality.code)  # before a 発行番号 is taken
    except SigningKeyMissing as missing:
        raise TransitionRefused(missing.message) from None
    issued_on = jst.today()
    number = next_number(session, submission.municipality_code, SequenceKind.CERTIFICATE, issued_on.year)
    issue_number = f"{submission.municipality_code}-{issued_on.year}-{number:06d}"
    context = certificate_context(submission, definition, issue_number=issue_number, issued_on=issued_on)
    code = signing.verification_code(issue_number, content_digest(context))
    context["verify_url"] = signing.verify_url(issue_number, code)
    rendered = procedures.certificates.render_pdf(definition.certificate, context)
    pdf = signing.sign(municipality.code, f"{municipality.prefecture}{municipality.name}", rendered)
    certificate = Certificate(
        submission_id=submission.id,
        municipality_code=submission.municipality_code,
        issue_number=issue_number,
        template=definition.certificate,
        issued_on=issued_on,
        sha256=hashlib.sha256(pdf).hexdigest(),
        pdf=pdf,
        verification_code=code,
    )
    session.add(certificate)
    session.flush()
    return certificate


def certificate_context(
    submission: Submission, definition: ProcedureDefinition, *, issue_number: str, issued_on: Any
) -> dict[str, Any]:
    """The template's inputs (see portal.certificates). Official documents are always in Japanese."""
    municipality = submission.municipality
    answers = submission.answers
    return {
        "municipality": {
            "code": municipality.code,
            "name": municipality.name,
            "prefecture": municipality.prefecture,
            "mayor_title": municipality.mayor_title,
            "mayor_name": municipality.mayor_name,
            "seal": municipality.seal,
            "demo": municipality.demo,
        },
        "issue_number": issue_number,
        "issued_on": issued_on,
        "procedure_title": definition.title,
        "reference": submission.reference,
        "applicant": answers,
        "answers": answers,
        "answer_text": {
            field.name: field.field_type.display(field, answers[field.name], _untranslated)
            for field in definition.fields
            if field.name in answers
        },
    }


def _untranslated(text: str) -> str:
    return text


def certificate_of(session: Session, submission: Submission) -> Certificate | None:
    """The submission's valid certificate; revoked ones stay on record but are no longer delivered."""
    query = select(Certificate).filter_by(
        municipality_code=submission.municipality_code, submission_id=submission.id, revoked_at=None
    )
    return session.scalars(query).one_or_none()
