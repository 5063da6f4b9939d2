"""Issuing the official PDF in two steps: the 交付 reserves it, a worker renders it.

:func:`reserve_certificate` runs inside the transition's short transaction: it takes the 発行番号 and stores
the exact context the PDF will be rendered from, and queues the certificate for rendering once that
transaction has committed (portal.tasks sends it to the worker). :func:`render_certificate` renders and
signs from the stored context only, at most once whatever the retries.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
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

TO_RENDER = "madoguchi.certificates_to_render"  # Session.info: reserved in the open transaction


def reserve_certificate(
    session: Session, procedures: Procedures, submission: Submission, definition: ProcedureDefinition
) -> Certificate:
    """Number the certificate and keep what it will print, or refuse the transition (nothing is then kept)
    when the municipality cannot sign: an official document is never delivered unsigned."""
    assert definition.certificate is not None
    signing = procedures.signing
    try:
        signing.signer(submission.municipality_code)  # before a 発行番号 is taken
    except SigningKeyMissing as missing:
        raise TransitionRefused(missing.message) from None
    issued_on = jst.today()
    number = next_number(session, submission.municipality_code, SequenceKind.CERTIFICATE, issued_on.year)
    issue_number = f"{submission.municipality_code}-{issued_on.year}-{number:06d}"
    context = certificate_context(submission, definition, issue_number=issue_number, issued_on=issued_on.isoformat())
    code = signing.verification_code(issue_number, content_digest(context))
    context["verify_url"] = signing.verify_url(issue_number, code)
    certificate = Certificate(
        submission_id=submission.id,
        municipality_code=submission.municipality_code,
        issue_number=issue_number,
        template=definition.certificate,
        issued_on=issued_on,
        context=context,
        verification_code=code,
    )
    session.add(certificate)
    session.flush()
    session.info.setdefault(TO_RENDER, []).append(certificate.id)
    return certificate


def reserved_in(session: Session) -> list[int]:
    """Take the ids of the certificates reserved in the transaction the session has just committed."""
    return session.info.pop(TO_RENDER, [])


def render_certificate(session: Session, procedures: Procedures, certificate_id: int) -> Certificate | None:
    """Render and sign a reserved certificate from its stored context and store the PDF.

    The row is locked first, so of two workers given the same certificate one renders and the other finds
    it rendered; a rendered, revoked or unknown certificate is left as it is. A row that already has its
    PDF (rendered in the request by the previous release) is only stamped.
    """
    certificate = session.scalars(
        select(Certificate).filter_by(id=certificate_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if certificate is None or certificate.rendered or certificate.revoked:
        return certificate
    if certificate.pdf is None:
        assert certificate.context is not None
        municipality = certificate.context["municipality"]
        rendered = procedures.certificates.render_pdf(certificate.template, certificate.context)
        location = f"{municipality['prefecture']}{municipality['name']}"
        certificate.pdf = procedures.signing.sign(certificate.municipality_code, location, rendered)
        certificate.sha256 = hashlib.sha256(certificate.pdf).hexdigest()
    certificate.rendered_at = jst.now()
    session.flush()
    return certificate


def unrendered(session: Session, reserved_before: datetime) -> list[int]:
    """Valid certificates reserved before ``reserved_before`` and still without their PDF, oldest first."""
    query = (
        select(Certificate.id)
        .where(Certificate.rendered_at.is_(None), Certificate.revoked_at.is_(None))
        .where(Certificate.created_at < reserved_before)
        .order_by(Certificate.created_at, Certificate.id)
    )
    return list(session.scalars(query))


def certificate_context(
    submission: Submission, definition: ProcedureDefinition, *, issue_number: str, issued_on: str
) -> dict[str, Any]:
    """The template's inputs (see portal.certificates), JSON as stored. Official documents are in Japanese."""
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
    """The submission's valid certificate, rendered or still 「発行処理中」; revoked ones stay on record but
    are no longer delivered."""
    query = select(Certificate).filter_by(
        municipality_code=submission.municipality_code, submission_id=submission.id, revoked_at=None
    )
    return session.scalars(query).one_or_none()


def delivered_certificate(session: Session, submission: Submission) -> Certificate | None:
    """The submission's valid certificate once its PDF exists: what a download may send."""
    certificate = certificate_of(session, submission)
    return certificate if certificate is not None and certificate.rendered else None
