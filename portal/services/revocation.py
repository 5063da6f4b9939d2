"""Revoking an issued certificate and reissuing it under a new 発行番号 (administrators only).

Both run under the submission's row lock, so two administrators cannot revoke twice or reissue twice;
the partial unique index (one valid certificate per submission) backs this up in the database.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog.characters import code_point, refused_character
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import ActorKind, Certificate, Submission
from portal.procedures import Procedures
from portal.records.backend import ResidentRecords
from portal.roles import Permission, permissions_of
from portal.services.actors import ActingUser
from portal.services.certificates import certificate_of, reserve_certificate
from portal.workflow import TransitionRefused

MAX_REASON_LENGTH = 1000


class RevocationRefused(Exception):
    def __init__(self, reason: Message) -> None:
        super().__init__(reason.msgid)
        self.reason = reason


def certificates_of(session: Session, submission: Submission) -> list[Certificate]:
    """Every certificate ever issued for the submission, newest first (the revocation history)."""
    query = (
        select(Certificate)
        .filter_by(municipality_code=submission.municipality_code, submission_id=submission.id)
        .order_by(Certificate.id.desc())
    )
    return list(session.scalars(query))


class RevocationService:
    """``records`` (municipality code → its opened 住民記録): a reissue certifies the record as it stands then."""

    def __init__(
        self, session: Session, procedures: Procedures, actor: ActingUser, records: Mapping[str, ResidentRecords]
    ) -> None:
        self.session = session
        self.procedures = procedures
        self.actor = actor
        self.records = records

    def revoke(self, submission: Submission, issue_number: str, reason: str | None) -> Certificate:
        reason = (reason or "").strip()
        if not reason:
            raise RevocationRefused(Message(N_("失効の理由を入力してください。")))
        if len(reason) > MAX_REASON_LENGTH:
            raise RevocationRefused(
                Message(N_("失効の理由は%(max)s文字以内で入力してください。"), {"max": MAX_REASON_LENGTH})
            )
        if refused := refused_character(reason, multiline=True):  # shown to staff, as answers and comments are
            char, msgid = refused
            raise RevocationRefused(Message(msgid, {"label": Message(N_("失効の理由")), "code": code_point(char)}))
        self._lock(submission)
        certificate = certificate_of(self.session, submission)
        if certificate is None or certificate.issue_number != issue_number:
            raise RevocationRefused(Message(N_("この証明書は既に失効しています。")))
        certificate.revoked_at = jst.now()
        certificate.revoked_by_id = self.actor.id
        certificate.revocation_reason = reason
        self.session.flush()
        return certificate

    def reissue(self, submission: Submission) -> Certificate:
        """A new certificate, with a new 発行番号, for a submission whose certificate was revoked."""
        self._lock(submission)
        template = self.procedures.case(submission).template
        if submission.purged_at is not None:
            raise RevocationRefused(Message(N_("保存期間が過ぎて内容を削除した申請は、再交付できません。")))
        if (
            template is None
            or certificate_of(self.session, submission) is not None
            or not certificates_of(self.session, submission)
        ):
            raise RevocationRefused(Message(N_("再交付できるのは、失効した証明書だけです。")))
        try:  # in a savepoint: a refusal after the 発行番号 was taken (a template error) gives it back
            with self.session.begin_nested():
                return reserve_certificate(self.session, self.procedures, self.records, submission, template)
        except TransitionRefused as refused:  # cannot sign, no record to certify, or a template error
            raise RevocationRefused(refused.reason) from None

    def _lock(self, submission: Submission) -> None:
        """Only an administrator of the submission's municipality; then hold the submission's row."""
        if (
            self.actor.kind is not ActorKind.STAFF
            or self.actor.municipality_code != submission.municipality_code
            or Permission.REVOKE_CERTIFICATE not in permissions_of(self.actor.roles)
        ):
            raise RevocationRefused(Message(N_("証明書を失効させる権限がありません。")))
        self.session.scalars(select(Submission).filter_by(id=submission.id).with_for_update()).one()
