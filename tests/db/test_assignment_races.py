"""担当 under real concurrency: two clerks press 「この申請を担当する」 (or assign, or send one note twice) at the same
moment, each in a connection and thread of their own, released together by a barrier. Exactly one change is made,
the other press is refused (or, for the same note, finds the first), and the history holds one entry.

Everything commits for real, in the ``committing_engine`` database, in a municipality of this module's own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portal.models import (
    AssignmentRecord,
    InternalNote,
    Municipality,
    MunicipalityProcedure,
    Resident,
    Staff,
    Submission,
)
from portal.procedures import Procedures
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.services.assignment import AssignmentRefused, AssignmentService, add_note
from portal.services.submissions import SubmissionService
from tests.db.signing import shipped, signing_procedures
from tests.web.journeys import JUMINHYO_ANSWERS, validated

CODE = "999920"  # this module's own municipality (check digit 0; the 期限日 races have 999938)


@dataclass(frozen=True)
class People:
    resident: ActingUser
    first: ActingUser
    second: ActingUser
    third: ActingUser


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Procedures:
    return signing_procedures(tmp_path_factory.mktemp("pki"), [(CODE, "見本県担当市")])


@pytest.fixture(scope="module")
def people(committing_engine: Engine) -> People:
    with Session(committing_engine, expire_on_commit=False) as session:
        session.add(
            Municipality(
                code=CODE, name="担当市", prefecture="見本県", mayor_title="担当市長", mayor_name="担当 太郎",
                seal="999997.svg", demo=True, procedures=[MunicipalityProcedure(slug="juminhyo")],
            )
        )  # fmt: skip
        session.flush()
        clerks = [
            Staff(municipality_code=CODE, subject=f"assign-race-{n}", name=name, role_values=[Role.CLERK.value])
            for n, name in enumerate(("窓口 一", "窓口 二", "窓口 三"))
        ]
        resident = Resident(subject="assign-race-resident", profile={"family_name": "山田", "given_name": "太郎"})
        session.add_all([*clerks, resident])
        session.commit()
        return People(ActingUser.of_resident(resident), *(ActingUser.of_staff(s) for s in clerks))


_tokens = iter(range(10**6))


def _submitted(engine: Engine, procedures: Procedures, people: People) -> int:
    with Session(engine, expire_on_commit=False) as session:
        definition = shipped("juminhyo")
        municipality = session.get_one(Municipality, CODE)
        submission = SubmissionService(session, procedures, people.resident).submit(
            municipality, definition, validated(definition, JUMINHYO_ANSWERS), f"assign-race-{next(_tokens)}"
        )
        session.commit()
        return submission.id


Act = Callable[[Session, Submission], Any]


def race(engine: Engine, submission_id: int, *acts: Act) -> list[Any]:
    """Each act in its own thread and session: load the case, wait for the others, act and commit. Returns what each
    act returned, or the AssignmentRefused it raised (its transaction rolled back)."""
    barrier = threading.Barrier(len(acts), timeout=30)

    def run(act: Act) -> Any:
        with Session(engine, expire_on_commit=False) as session:
            submission = session.get_one(Submission, submission_id)
            session.commit()  # SQLite writers hold the database from their first statement: let go
            barrier.wait()
            try:
                result = act(session, submission)
            except AssignmentRefused as refused:
                session.rollback()
                return refused
            session.commit()
            return result

    with ThreadPoolExecutor(len(acts)) as pool:
        return list(pool.map(run, acts))


def _claiming(actor: ActingUser) -> Act:
    return lambda session, submission: AssignmentService(session, actor).claim(submission)


def _committed(engine: Engine, submission_id: int) -> tuple[int | None, list[AssignmentRecord]]:
    with Session(engine) as session:
        assignee = session.get_one(Submission, submission_id).assignee_id
        records = session.scalars(select(AssignmentRecord).filter_by(submission_id=submission_id)).all()
        session.expunge_all()
        return assignee, list(records)


def test_two_clerks_claiming_at_once_one_gets_the_case(committing_engine, procedures, people) -> None:
    case = _submitted(committing_engine, procedures, people)

    results = race(committing_engine, case, _claiming(people.first), _claiming(people.second))

    winners = [i for i, r in enumerate(results) if r is True]
    assert len(winners) == 1, results
    loser = results[1 - winners[0]]
    winner = (people.first, people.second)[winners[0]]
    assert isinstance(loser, AssignmentRefused)
    assert (
        loser.reason.msgid == "この申請は既に%(name)sさんが担当しています。"
        and loser.reason.params["name"] == winner.name
    )
    assignee, records = _committed(committing_engine, case)
    assert assignee == winner.id and [(r.action.value, r.to_staff_id) for r in records] == [("claim", winner.id)]


def test_two_assignments_from_the_same_page_one_applies(committing_engine, procedures, people) -> None:
    case = _submitted(committing_engine, procedures, people)

    def assigning(actor: ActingUser, to: ActingUser) -> Act:
        return lambda session, submission: AssignmentService(session, actor).assign(submission, to.id, None)

    results = race(
        committing_engine, case, assigning(people.first, people.second), assigning(people.second, people.third)
    )

    assert sorted(type(r).__name__ for r in results) == ["AssignmentRefused", "bool"], results
    won = results.index(True)
    assignee, records = _committed(committing_engine, case)
    assert assignee == (people.second, people.third)[won].id and len(records) == 1


def test_one_note_sent_twice_at_once_is_kept_once(committing_engine, procedures, people) -> None:
    case = _submitted(committing_engine, procedures, people)

    def noting(session: Session, submission: Submission) -> int:
        return add_note(session, people.first, submission, "電話で確認済み", "one-form-token").id

    first, second = race(committing_engine, case, noting, noting)

    assert first == second
    with Session(committing_engine) as session:
        assert session.scalar(select(func.count()).select_from(InternalNote).filter_by(submission_id=case)) == 1
