"""Issuing the official PDF in two steps: the 交付 reserves it, a worker renders it.

:func:`reserve_certificate` runs inside the transition's short transaction: it reads what the certificate
certifies (the 住民記録 as it stands now, :func:`certified_content`), takes the 発行番号 and stores the exact
context the PDF will be rendered from (:func:`certificate_context`), and queues the certificate for rendering
once that transaction has committed (portal.tasks sends it to the worker). :func:`render_certificate` renders
and signs from the stored context only, at most once whatever the retries, so the same certificate can be
rendered again, elsewhere, later.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import metrics
from portal.catalog import ProcedureDefinition
from portal.catalog.requester import ProxyRequest, proxy_request
from portal.certificates import CertificateRenderingError, TemplateSource
from portal.certificates.signing import SigningKeyMissing
from portal.certificates.verification import content_digest
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import Certificate, Municipality, SequenceKind, Submission
from portal.procedures import Procedures
from portal.records.backend import ResidentRecords
from portal.records.model import Household, Person
from portal.services import personal_notices
from portal.services.certified import certified_household, recorded_persons
from portal.services.juminhyo import juminhyo_content
from portal.services.numbering import next_number
from portal.workflow import TransitionRefused

log = logging.getLogger(__name__)

TO_RENDER = "madoguchi.certificates_to_render"  # Session.info: reserved in the open transaction
RENDER_ERROR_LENGTH = 200  # Certificate.render_error

NOT_PRODUCED = Message(
    N_(
        "証明書を作成できなかったため、交付できませんでした。申請は変更されていません。システム管理者に連絡してください。"
    )
)

# What a certificate template certifies beyond the issue itself, from the certified person's household as recorded
# when it is issued and the answers, for a template that chooses it in its own way (a definition's
# ``certified_persons`` needs no entry here: see certified_content).
Content = Callable[[Household, Person, Mapping[str, Any]], dict[str, Any]]
CERTIFIED_CONTENT: Mapping[str, Content] = {"juminhyo": juminhyo_content}


def reserve_certificate(
    session: Session,
    procedures: Procedures,
    records: Mapping[str, ResidentRecords],
    submission: Submission,
    template: TemplateSource,
) -> Certificate:
    """Read what the certificate certifies, number it and keep what it will print, or refuse the transition
    (nothing is then kept): an official document is never delivered unsigned, nor certifying anything but
    the record, nor from a context its template cannot print."""
    signing = procedures.signing
    municipality = submission.municipality
    try:
        signing.signer(municipality.code)  # every refusal but the template's comes before a 発行番号 is taken
    except SigningKeyMissing as missing:
        raise TransitionRefused(missing.message) from None
    # Read before the 発行番号: a slow records backend must never hold the counter's row lock.
    definition = procedures.case(submission).definition
    request = proxy_request(definition, submission.answers)
    content, person = certified_content(session, records, submission, definition, template.name, request)
    issued_on = jst.today()
    number = next_number(session, submission.municipality_code, SequenceKind.CERTIFICATE, issued_on.year)
    issue_number = f"{submission.municipality_code}-{issued_on.year}-{number:06d}"
    context = certificate_context(
        municipality,
        content,
        issue_number=issue_number,
        issued_on=issued_on,
        number=submission.assigned_number,
        inputs=recorded_inputs(submission),
        answers=None if template.name in CERTIFIED_CONTENT else submission.answers,  # a record's: the record only
    )
    code = signing.verification_code(issue_number, content_digest(context))
    context["verify_url"] = signing.verify_url(issue_number, code)
    try:  # the HTML only (milliseconds): a template or data error refuses the 交付 here, not in the worker
        procedures.certificates.render_html(template, context)
    except CertificateRenderingError as failed:
        log.error("certificate %s not reserved: %s", issue_number, failed)  # class, template line; no data
        raise TransitionRefused(NOT_PRODUCED) from None
    certificate = Certificate(
        submission_id=submission.id,
        municipality_code=submission.municipality_code,
        issue_number=issue_number,
        template=template.name,
        issued_on=issued_on,
        context=context,
        verification_code=code,
    )
    session.add(certificate)
    session.flush()
    session.info.setdefault(TO_RENDER, []).append(certificate.id)
    if request is not None and request.notifies and person is not None:
        personal_notices.certificate_issued(session, certificate, *person)
    return certificate


def reserved_in(session: Session) -> list[int]:
    """Take the ids of the certificates reserved in the transaction the session has just committed."""
    return session.info.pop(TO_RENDER, [])


def render_certificate(session: Session, procedures: Procedures, certificate_id: int) -> Certificate | None:
    """Render and sign a reserved certificate from its stored context and store the PDF.

    The row is locked first, so of two workers given the same certificate one renders and the other finds
    it rendered; a rendered, revoked or unknown certificate is left as it is. A row that already has its
    PDF (rendered in the request by the previous release) is only stamped. A context the template cannot
    print, or a signing key gone since the 交付, is logged and marked on the row (``render_error``, shown to
    staff on the case page); the certificate stays 「発行処理中」 and the sweep tries again.
    """
    certificate = session.scalars(
        select(Certificate).filter_by(id=certificate_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if certificate is None or certificate.rendered or certificate.revoked:
        return certificate
    if certificate.pdf is None:
        context = certificate.context
        if context is None:  # purged past its 保存期間 before it was ever rendered: nothing is left to print
            return certificate
        municipality = context["municipality"]
        location = f"{municipality['prefecture']}{municipality['name']}"
        try:
            template = procedures.case(certificate.submission).template
            assert template is not None  # a certificate is only reserved from a case with its template
            with metrics.rendering_timed():
                rendered = procedures.certificates.render_pdf(template, context)
                pdf = procedures.signing.sign(certificate.municipality_code, location, rendered)
        except (CertificateRenderingError, SigningKeyMissing) as failed:
            log.error("certificate %s not rendered: %s; the sweep tries again", certificate.issue_number, failed)
            # For staff: the rendering error's class and template line; a missing key's paths stay in the log.
            marker = str(failed) if isinstance(failed, CertificateRenderingError) else type(failed).__name__
            certificate.render_error = marker[:RENDER_ERROR_LENGTH]
            session.flush()
            return certificate
        certificate.pdf = pdf
        certificate.sha256 = hashlib.sha256(pdf).hexdigest()
    certificate.render_error = None
    certificate.rendered_at = jst.now()
    session.flush()
    return certificate


def unrendered(session: Session, reserved_before: datetime) -> list[int]:
    """Valid certificates reserved before ``reserved_before`` and still without their PDF, oldest first (not a
    purged case's: its context is gone)."""
    query = (
        select(Certificate.id)
        .join(Submission)
        .where(Certificate.rendered_at.is_(None), Certificate.revoked_at.is_(None), Submission.purged_at.is_(None))
        .where(Certificate.created_at < reserved_before)
        .order_by(Certificate.created_at, Certificate.id)
    )
    return list(session.scalars(query))


def certified_content(
    session: Session,
    records: Mapping[str, ResidentRecords],
    submission: Submission,
    definition: ProcedureDefinition,
    template: str,
    request: ProxyRequest | None = None,
) -> tuple[dict[str, Any], tuple[Household, Person] | None]:
    """What the certificate certifies for this submission, read now (TransitionRefused when it cannot be): the
    persons the definition's ``certified_persons`` field chose, else what ``template`` reads for itself; and the
    household and person whose record it certifies, when it reads one. A request on someone's behalf always
    reads the person it names: issued for someone unknown to the records, it is refused."""
    if definition.certified_persons is not None:
        return recorded_persons(session, records, submission, definition), None
    content = CERTIFIED_CONTENT.get(template)
    if content is None and request is None:
        return {}, None
    household, person = certified_household(session, records.get(submission.municipality_code), submission, request)
    return (content(household, person, submission.answers) if content else {}), (household, person)


def recorded_inputs(submission: Submission) -> dict[str, dict[str, Any]]:
    """What staff filled in each transition's fields, by transition name: the latest firing's (a case sent back
    and decided again prints what was decided last)."""
    return {record.transition: dict(record.inputs) for record in submission.history if record.inputs is not None}


def certificate_context(
    municipality: Municipality,
    content: Mapping[str, Any],
    *,
    issue_number: str,
    issued_on: date,
    number: str | None = None,
    inputs: Mapping[str, Mapping[str, Any]] | None = None,
    answers: Mapping[str, Any] | None = None,
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
        "number": number,
        "inputs": {name: dict(values) for name, values in (inputs or {}).items()},
        **({"answers": dict(answers)} if answers is not None else {}),
        **content,
    }


def certificate_of(session: Session, submission: Submission) -> Certificate | None:
    """The submission's valid certificate, rendered or still 「発行処理中」; revoked ones stay on record but
    are no longer delivered."""
    query = select(Certificate).filter_by(
        municipality_code=submission.municipality_code, submission_id=submission.id, revoked_at=None
    )
    return session.scalars(query).one_or_none()


def delivered_certificate(session: Session, submission: Submission) -> Certificate | None:
    """The submission's valid certificate once its PDF exists, until the case is purged past its 保存期間: what a
    download may send."""
    certificate = certificate_of(session, submission)
    delivered = certificate is not None and certificate.rendered and submission.purged_at is None
    return certificate if delivered else None
