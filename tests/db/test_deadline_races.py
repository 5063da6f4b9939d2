"""期限日 under real concurrency: two people moving a case out of a paused state at the same moment move its 期限日
once, by the 開庁日 it waited; separate connections in threads, released together (see test_concurrency)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.models import Municipality, MunicipalityProcedure, Staff, Submission
from portal.procedures import Procedures
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.services.submissions import SubmissionService
from portal.workflow import Condition, Outcome, TransitionRefused
from tests.db.recorded import recorded_resident
from tests.db.signing import shipped, signing_procedures
from tests.db.test_concurrency import race
from tests.web.journeys import JUMINHYO_ANSWERS, validated

CODE = "999938"  # this module's own municipality (check digit 8)
MATCHED = frozenset({Condition.RECORD_MATCH, Condition.PAID})


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Procedures:
    return signing_procedures(tmp_path_factory.mktemp("pki"), [(CODE, "見本県期限市")])


@pytest.fixture(scope="module")
def people(committing_engine: Engine) -> tuple[ActingUser, ActingUser]:
    with Session(committing_engine, expire_on_commit=False) as session:
        session.add(
            Municipality(
                code=CODE,
                name="期限市",
                prefecture="見本県",
                mayor_title="期限市長",
                mayor_name="期限 太郎",
                seal="999997.svg",
                demo=True,
                procedures=[MunicipalityProcedure(slug="juminhyo")],
            )  # fmt: skip
        )
        session.flush()
        clerk = Staff(municipality_code=CODE, subject="deadline-clerk", name="窓口 期限", role_values=[Role.CLERK])
        session.add(clerk)
        resident = recorded_resident(session, CODE, "deadline-resident")
        session.commit()
        return ActingUser.of_resident(resident), ActingUser.of_staff(clerk)


def _on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(jst, "now", lambda: datetime.combine(day, time(10), jst.JST))


def test_resubmitting_and_withdrawing_at_once_move_the_deadline_once(
    committing_engine: Engine, procedures: Procedures, people: tuple[ActingUser, ActingUser], monkeypatch
) -> None:
    resident, clerk = people
    _on(monkeypatch, date(2026, 6, 1))  # Monday: due Thursday 6/4
    with Session(committing_engine, expire_on_commit=False) as session:
        definition = shipped("juminhyo")
        answers = validated(definition, JUMINHYO_ANSWERS)
        submission = SubmissionService(session, procedures, resident).submit(
            session.get_one(Municipality, CODE), definition, answers, "deadline-race"
        )
        staff = SubmissionService(session, procedures, clerk)
        staff.fire(submission, "start_review", None, MATCHED)
        _on(monkeypatch, date(2026, 6, 2))  # 差戻し on Tuesday
        staff.fire(submission, "return_to_applicant", "電話番号をご確認ください", MATCHED)
        session.commit()
        submission_id = submission.id
        assert (submission.due_on, submission.clock_paused_on) == (date(2026, 6, 4), date(2026, 6, 2))

    _on(monkeypatch, date(2026, 6, 5))  # Friday: 3 開庁日 waited

    def resubmit(session: Session, found: Submission) -> Any:
        return SubmissionService(session, procedures, resident).resubmit(found, answers)

    def withdraw(session: Session, found: Submission) -> Any:
        return SubmissionService(session, procedures, resident).fire(found, "withdraw", None)

    results = race(committing_engine, submission_id, resubmit, withdraw, resubmit)

    won = [r for r in results if isinstance(r, Outcome)]
    assert len(won) == 1 and all(isinstance(r, TransitionRefused) for r in results if r is not won[0])
    with Session(committing_engine) as session:
        found = session.get_one(Submission, submission_id)
        assert found.state == won[0].target
        assert (found.due_on, found.clock_paused_on) == (date(2026, 6, 9), None)  # moved by 3, once
