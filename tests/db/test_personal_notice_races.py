"""本人通知 under real concurrency: two 交付 of a request for someone else pressed at once issue one certificate and
owe the person one notice; two clerks marking one letter posted record it once. Separate connections in threads
released together, in a municipality of this module's own (see test_concurrency.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portal.models import (
    AuditAction,
    AuditEntry,
    Certificate,
    Municipality,
    MunicipalityProcedure,
    NoticeChannel,
    NoticeRegistration,
    PersonalNotice,
    Staff,
    Submission,
)
from portal.procedures import Procedures
from portal.records.registry import RecordsSource, build_directory
from portal.roles import Role
from portal.services import personal_notices
from portal.services.actors import ActingUser, Administrator
from portal.services.personal_notices import NoticeRefused
from portal.services.submissions import SubmissionService
from portal.workflow import Condition, TransitionRefused
from tests.db.recorded import recorded_resident
from tests.db.signing import shipped, signing_procedures
from tests.web.journeys import JUMINHYO_ANSWERS, date_inputs, validated

CODE = "999971"  # this module's own municipality (check digit 1)
MATCHED = frozenset({Condition.RECORD_MATCH, Condition.PAID})
# A third party asks for 山田 太郎 (P0001), whose household recorded_resident stores here.
THIRD_PARTY = {
    **JUMINHYO_ANSWERS,
    "items": [],
    "request_by": "third_party",
    "person_family_name": "山田",
    "person_given_name": "太郎",
    **date_inputs("person_birthdate", date(1985, 4, 12)),
    "person_gender": "male",
    "person_postal_code": "1000001",
    "person_address": "東京都千代田区千代田一丁目1番",
    "person_relationship": "債権者",
    "third_party_reason": "own_rights",
    "third_party_purpose": "訴訟のため",
}
RECORDS = build_directory({CODE: RecordsSource("demo")})


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Procedures:
    return signing_procedures(tmp_path_factory.mktemp("pki"), [(CODE, "見本県通知市")])


@pytest.fixture(scope="module")
def people(committing_engine: Engine) -> dict[str, Any]:
    with Session(committing_engine, expire_on_commit=False) as session:
        session.add(
            Municipality(
                code=CODE,
                name="通知市",
                prefecture="見本県",
                mayor_title="通知市長",
                mayor_name="通知 太郎",
                seal="999997.svg",
                demo=True,
                procedures=[MunicipalityProcedure(slug="juminhyo")],
            )  # fmt: skip
        )
        session.flush()
        staff = {
            name: Staff(municipality_code=CODE, subject=f"notice-{name}", name=name, role_values=[role])
            for name, role in (("窓口 一", Role.CLERK), ("窓口 二", Role.CLERK), ("決裁 三", Role.APPROVER))
        }
        session.add_all(staff.values())
        recorded_resident(session, CODE, "notice-person")  # stores 山田 太郎's household as this municipality's
        requester = recorded_resident(session, CODE, "notice-requester")
        session.add(
            NoticeRegistration(
                municipality_code=CODE, person_id="P0001", name="山田 太郎", registered_by_name="窓口 一"
            )
        )
        session.commit()
        return {"requester": ActingUser.of_resident(requester), **{n: s for n, s in staff.items()}}


def approved(engine: Engine, procedures: Procedures, people: dict[str, Any], token: str) -> int:
    definition = shipped("juminhyo")
    with Session(engine, expire_on_commit=False) as session:
        municipality = session.get_one(Municipality, CODE)
        submission = SubmissionService(session, procedures, people["requester"]).submit(
            municipality, definition, validated(definition, THIRD_PARTY), token
        )
        clerk, approver = ActingUser.of_staff(people["窓口 一"]), ActingUser.of_staff(people["決裁 三"])
        SubmissionService(session, procedures, clerk).fire(submission, "start_review", None, MATCHED)
        checked = {"requester_checked": ["on"]}
        SubmissionService(session, procedures, clerk).fire(submission, "request_approval", None, MATCHED, checked)
        SubmissionService(session, procedures, approver).fire(submission, "approve", None, MATCHED)
        session.commit()
        return submission.id


def at_once(engine: Engine, *acts: Any) -> list[Any]:
    """Each act in its own session, released together; what it returned or the refusal it raised."""
    barrier = threading.Barrier(len(acts), timeout=30)

    def run(act: Any) -> Any:
        with Session(engine, expire_on_commit=False) as session:
            session.commit()
            barrier.wait()
            try:
                result = act(session)
            except (TransitionRefused, NoticeRefused) as refused:
                session.rollback()
                return refused
            session.commit()
            return result

    with ThreadPoolExecutor(len(acts)) as pool:
        return list(pool.map(run, acts))


def count(engine: Engine, model: Any, **where: Any) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0


def test_two_issues_at_once_owe_the_person_one_notice(
    committing_engine: Engine, procedures: Procedures, people: dict[str, Any]
) -> None:
    submission_id = approved(committing_engine, procedures, people, "notice-race-issue")

    def issue(clerk: str) -> Any:
        def act(session: Session) -> Any:
            submission = session.get_one(Submission, submission_id)
            service = SubmissionService(
                session, procedures, ActingUser.of_staff(people[clerk]), RECORDS.open_all(session)
            )
            return service.fire(submission, "issue", None, MATCHED)

        return act

    results = at_once(committing_engine, issue("窓口 一"), issue("窓口 二"))

    assert sum(isinstance(r, TransitionRefused) for r in results) == 1, results
    assert count(committing_engine, Certificate, submission_id=submission_id) == 1
    assert count(committing_engine, PersonalNotice, submission_id=submission_id) == 1


def test_two_clerks_mark_one_letter_posted_once(
    committing_engine: Engine, procedures: Procedures, people: dict[str, Any]
) -> None:
    submission_id = approved(committing_engine, procedures, people, "notice-race-post")
    with Session(committing_engine, expire_on_commit=False) as session:
        clerk = ActingUser.of_staff(people["窓口 一"])
        service = SubmissionService(session, procedures, clerk, RECORDS.open_all(session))
        service.fire(session.get_one(Submission, submission_id), "issue", None, MATCHED)
        session.commit()
        notice = session.scalars(select(PersonalNotice).filter_by(submission_id=submission_id)).one()
    assert notice.channel is NoticeChannel.LETTER  # 山田 太郎 has no address to email
    posted_before = count(committing_engine, AuditEntry, action=AuditAction.NOTICE_POSTED)

    def post(name: str) -> Any:
        return lambda session: personal_notices.mark_posted(
            session, Administrator.of_staff(people[name]), CODE, notice.id
        )

    results = at_once(committing_engine, post("窓口 一"), post("窓口 二"))

    refused = [r for r in results if isinstance(r, NoticeRefused)]
    assert len(refused) == 1 and refused[0].reason.msgid == "この本人通知は既に郵送済みです。", results
    assert count(committing_engine, AuditEntry, action=AuditAction.NOTICE_POSTED) == posted_before + 1
