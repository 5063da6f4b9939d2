"""Issuing the official PDF: what it certifies, as it stands at issue time, numbered, rendered, signed, stored.

Two steps that never mix: :func:`certificate_context` decides what the certificate says (JSON, stored with
it in ``certificate.context``) and :func:`render_certificate` turns a stored context into the signed PDF,
reading nothing else, so the same certificate can be rendered again, elsewhere, later.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog import ProcedureDefinition
from portal.certificates import CertificateRenderingError
from portal.certificates.signing import SigningKeyMissing
from portal.certificates.verification import content_digest
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import Certificate, Municipality, SequenceKind, Submission
from portal.procedures import Procedures
from portal.records.backend import ResidentRecords
from portal.services.juminhyo import juminhyo_content
from portal.services.numbering import next_number
from portal.workflow import TransitionRefused

log = logging.getLogger(__name__)

NOT_PRODUCED = Message(
    N_(
        "証明書を作成できなかったため、交付できませんでした。申請は変更されていません。システム管理者に連絡してください。"
    )
)

# What each certificate template certifies beyond the issue itself, read when it is issued.
Content = Callable[[Session, Mapping[str, ResidentRecords], Submission], dict[str, Any]]
CERTIFIED_CONTENT: Mapping[str, Content] = {"juminhyo": juminhyo_content}


def issue_certificate(
    session: Session,
    procedures: Procedures,
    records: Mapping[str, ResidentRecords],
    submission: Submission,
    definition: ProcedureDefinition,
) -> Certificate:
    """Snapshot, number, render, sign and store the certificate, or refuse the transition (nothing is then
    kept): an official document is never delivered unsigned, nor certifying anything but the record."""
    assert definition.certificate is not None
    signing = procedures.signing
    municipality = submission.municipality
    try:
        signing.signer(municipality.code)  # every refusal comes before a 発行番号 is taken
    except SigningKeyMissing as missing:
        raise TransitionRefused(missing.message) from None
    content = certified_content(session, records, submission, definition.certificate)
    issued_on = jst.today()
    number = next_number(session, submission.municipality_code, SequenceKind.CERTIFICATE, issued_on.year)
    issue_number = f"{submission.municipality_code}-{issued_on.year}-{number:06d}"
    context = certificate_context(municipality, content, issue_number=issue_number, issued_on=issued_on)
    code = signing.verification_code(issue_number, content_digest(context))
    context["verify_url"] = signing.verify_url(issue_number, code)
    try:
        pdf = render_certificate(procedures, municipality, definition.certificate, context)
    except CertificateRenderingError as failed:
        log.error("certificate %s not produced: %s", issue_number, failed)  # class, template, line; no data
        raise TransitionRefused(NOT_PRODUCED) from None
    certificate = Certificate(
        submission_id=submission.id,
        municipality_code=submission.municipality_code,
        issue_number=issue_number,
        template=definition.certificate,
        issued_on=issued_on,
        sha256=hashlib.sha256(pdf).hexdigest(),
        pdf=pdf,
        context=context,
        verification_code=code,
    )
    session.add(certificate)
    session.flush()
    return certificate


def certified_content(
    session: Session, records: Mapping[str, ResidentRecords], submission: Submission, template: str
) -> dict[str, Any]:
    """What ``template`` certifies for this submission, read now (TransitionRefused when it cannot be)."""
    content = CERTIFIED_CONTENT.get(template)
    return content(session, records, submission) if content else {}


def certificate_context(
    municipality: Municipality, content: Mapping[str, Any], *, issue_number: str, issued_on: date
) -> dict[str, Any]:
    """The template's inputs as JSON (contract: see portal.certificates), without the verify URL that is made
    from them. Official documents are always in Japanese, so nothing here is translated."""
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
        "issued_on": issued_on.isoformat(),
        **content,
    }


def render_certificate(
    procedures: Procedures, municipality: Municipality, template: str, context: Mapping[str, Any]
) -> bytes:
    """The signed PDF of a stored context; CertificateRenderingError when the template cannot print it."""
    rendered = procedures.certificates.render_pdf(template, context)
    return procedures.signing.sign(municipality.code, f"{municipality.prefecture}{municipality.name}", rendered)


def certificate_of(session: Session, submission: Submission) -> Certificate | None:
    """The submission's valid certificate; revoked ones stay on record but are no longer delivered."""
    query = select(Certificate).filter_by(
        municipality_code=submission.municipality_code, submission_id=submission.id, revoked_at=None
    )
    return session.scalars(query).one_or_none()
