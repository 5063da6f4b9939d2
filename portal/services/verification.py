"""The public verification of a certificate: only what its QR code may reveal to whoever holds the paper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.certificates.signing import CertificateSigning
from portal.certificates.verification import masked_name
from portal.models import Certificate


@dataclass(frozen=True)
class VerifiedCertificate:
    """What /verify shows: never the record itself, never why it was revoked. Once its case is purged past its
    保存期間 the certificate is still known (number, date, issuer, hash, revocation), but no name is left to show."""

    issue_number: str
    issued_on: date
    municipality: str
    sha256: str
    masked_name: str  # empty once purged
    revoked_at: datetime | None
    purged: bool


def verified_certificate(
    session: Session, signing: CertificateSigning, issue_number: str, code: str | None
) -> VerifiedCertificate | None:
    """The certificate ``issue_number`` when ``code`` is its verify code; an unknown number and a wrong code
    are the same None, so the page tells a guesser nothing."""
    municipality_code = issue_number.split("-", 1)[0]  # 発行番号 = <地方公共団体コード>-<year>-<number>
    certificate = session.scalars(
        select(Certificate).filter_by(municipality_code=municipality_code, issue_number=issue_number)
    ).one_or_none()
    if certificate is None or not signing.code_matches(certificate.verification_code, code):
        return None
    if certificate.sha256 is None:  # still 「発行処理中」: no document exists yet that anyone could hold
        return None
    submission = certificate.submission
    return VerifiedCertificate(
        issue_number=certificate.issue_number,
        issued_on=certificate.issued_on,
        municipality=f"{submission.municipality.prefecture}{submission.municipality.name}",
        sha256=certificate.sha256,
        masked_name=masked_name(_certified_family_name(certificate)) if submission.purged_at is None else "",
        revoked_at=certificate.revoked_at,
        purged=submission.purged_at is not None,
    )


def _certified_family_name(certificate: Certificate) -> Any:
    """The 氏 of the first person the certificate certifies, as recorded; the typed answer only for a
    certificate issued before contexts were kept."""
    persons = (certificate.context or {}).get("record", {}).get("persons")
    return persons[0]["name"]["family"] if persons else certificate.submission.answers.get("family_name")
