"""本人通知制度: telling a registered person that a certificate of theirs was issued to a 代理人 or a third party.

Staff register a person at their request (:func:`register`): the person is found in the 住民記録 by 基本4情報 and
kept by the records' person id. When a certificate is issued on a request made on someone's behalf
(portal.services.certificates), :func:`certificate_issued` writes one notice per case and person, in the 交付's
transaction: an email through the notification outbox when the person is a portal user with a confirmed address,
otherwise a letter staff post from the back office's 「本人通知（郵送）」 (:func:`mark_posted`). Registering,
unregistering and posting are in the audit log, by row id: never the person's name or address.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.messages import N_, Message
from portal.models import (
    AuditAction,
    Certificate,
    MailSettings,
    NoticeChannel,
    NoticeRegistration,
    PersonalNotice,
    ResidentRecordLink,
    Submission,
)
from portal.records.backend import ResidentRecords
from portal.records.matching import BasicInfo, Outcome
from portal.records.model import Household, Person
from portal.services import audit, notifications
from portal.services.actors import Administrator
from portal.services.records import named_household

NOT_FOUND = {
    None: N_("この自治体の住民記録に接続していないため、登録できません。"),
    Outcome.NO_MATCH: N_("住民記録に、入力した氏名・生年月日・性別・住所と一致する方がいません。"),
    Outcome.AMBIGUOUS: N_("住民記録に、入力した内容と一致する方が複数いるため、一人に特定できません。"),
    Outcome.INCOMPLETE: N_("氏名・生年月日・性別・住所をすべて入力してください。"),
    Outcome.UNAVAILABLE: N_(
        "住民記録システムから応答がないため、登録できません。しばらくしてからもう一度お試しください。"
    ),
}


class NoticeRefused(ValueError):
    """Why the request cannot be done; nothing was changed."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.msgid)
        self.reason = reason


# -- at the 交付 -------------------------------------------------------------------------------------


def certificate_issued(
    session: Session, certificate: Certificate, household: Household, person: Person
) -> PersonalNotice | None:
    """Owe the person a notice of ``certificate`` if they are registered; None when they are not. A case tells its
    person once: a second 交付 of it (a reissue) finds the notice already written."""
    code = certificate.municipality_code
    registered = session.scalars(
        select(NoticeRegistration.id).filter_by(municipality_code=code, person_id=person.person_id)
    ).one_or_none()
    if registered is None:
        return None
    earlier = session.scalars(
        select(PersonalNotice).filter_by(submission_id=certificate.submission_id, person_id=person.person_id)
    ).one_or_none()
    if earlier is not None:
        return earlier
    resident_id = _reachable_resident(session, code, person.person_id)
    notice = PersonalNotice(
        municipality_code=code,
        submission_id=certificate.submission_id,
        certificate_id=certificate.id,
        person_id=person.person_id,
        channel=NoticeChannel.EMAIL if resident_id is not None else NoticeChannel.LETTER,
        issued_on=certificate.issued_on,
    )
    if resident_id is None:
        address = household.address
        notice.addressee = person.name.full
        notice.postal_code = address.postal_code or None
        notice.address = f"{address.address} {address.katagaki}".strip()
    session.add(notice)
    session.flush()
    if resident_id is not None:
        notifications.personal_notice(session, notice, resident_id)
    return notice


def _reachable_resident(session: Session, code: str, person_id: str) -> int | None:
    """The portal user who is this person in this municipality, when they have a confirmed address for email."""
    for link in session.scalars(select(ResidentRecordLink).filter_by(municipality_code=code, person_id=person_id)):
        settings = session.get(MailSettings, link.resident_id)
        if settings is not None and settings.deliverable is not None:
            return link.resident_id
    return None


def notices_of(session: Session, submission: Submission) -> list[PersonalNotice]:
    """The notices a case caused, for its staff page (the applicant never sees them)."""
    return list(
        session.scalars(
            select(PersonalNotice)
            .filter_by(municipality_code=submission.municipality_code, submission_id=submission.id)
            .order_by(PersonalNotice.id)
        )
    )


# -- letters ----------------------------------------------------------------------------------------


def letters_to_post(session: Session, code: str) -> list[PersonalNotice]:
    """The municipality's letters not yet posted, oldest first."""
    return list(
        session.scalars(
            select(PersonalNotice)
            .filter_by(municipality_code=code, channel=NoticeChannel.LETTER, posted_at=None)
            .order_by(PersonalNotice.id)
        )
    )


def mark_posted(session: Session, actor: Administrator, code: str, notice_id: int) -> PersonalNotice:
    """Record that the letter went out; of two people pressing at once (or one pressing twice) one records it and
    the other is told it is posted already."""
    notice = session.scalars(
        select(PersonalNotice).filter_by(id=notice_id, municipality_code=code, channel=NoticeChannel.LETTER)
    ).one_or_none()
    if notice is None or not actor.may_act_in(code):
        raise NoticeRefused(Message(N_("この本人通知は見つかりません。")))
    posted = session.execute(
        update(PersonalNotice)
        .where(PersonalNotice.id == notice.id, PersonalNotice.posted_at.is_(None))
        .values(posted_at=jst.now(), posted_by_id=actor.id, posted_by_name=actor.name)
        .execution_options(synchronize_session=False)
    )
    if posted.rowcount != 1:  # type: ignore[attr-defined]
        raise NoticeRefused(Message(N_("この本人通知は既に郵送済みです。")))
    session.refresh(notice)
    target = _target("personal_notice", notice.id)
    audit.record(session, actor, AuditAction.NOTICE_POSTED, target, {"posted": False}, {"posted": True}, code)
    return notice


# -- registrations ----------------------------------------------------------------------------------


def registrations(session: Session, code: str) -> list[NoticeRegistration]:
    return list(
        session.scalars(select(NoticeRegistration).filter_by(municipality_code=code).order_by(NoticeRegistration.id))
    )


def register(
    session: Session, records: ResidentRecords | None, actor: Administrator, code: str, query: BasicInfo | None
) -> NoticeRegistration:
    """Register the person the 基本4情報 name, found in the 住民記録 as a login is (exactly one match)."""
    if not actor.may_act_in(code):
        raise NoticeRefused(Message(N_("この自治体の本人通知は登録できません。")))
    found = named_household(records, query)
    if found.person is None:
        raise NoticeRefused(Message(NOT_FOUND[found.outcome]))  # type: ignore[index]
    person = found.person
    registration = NoticeRegistration(
        municipality_code=code,
        person_id=person.person_id,
        name=person.name.full,
        registered_by_id=actor.id,
        registered_by_name=actor.name,
    )
    try:
        with session.begin_nested():
            session.add(registration)
            session.flush()
    except IntegrityError:
        raise NoticeRefused(Message(N_("この方は既に本人通知に登録されています。"))) from None
    target = _target("notice_registration", registration.id)
    audit.record(session, actor, AuditAction.NOTICE_REGISTERED, target, None, {"registered": True}, code)
    return registration


def unregister(session: Session, actor: Administrator, code: str, registration_id: int) -> None:
    """The person no longer wants notices; notices already owed are still sent or posted."""
    found = session.scalars(
        select(NoticeRegistration).filter_by(id=registration_id, municipality_code=code)
    ).one_or_none()
    if found is None or not actor.may_act_in(code):
        raise NoticeRefused(Message(N_("この登録は見つかりません。")))
    session.delete(found)
    session.flush()
    target = _target("notice_registration", registration_id)
    audit.record(session, actor, AuditAction.NOTICE_UNREGISTERED, target, {"registered": True}, None, code)


def _target(kind: str, row_id: int) -> str:
    return f"{kind}:{row_id}"
