"""Decisions, submitting and numbering under real concurrency: separate connections in threads, released together.

Every case commits for real, so it works in the ``committing_engine`` database (history rows are
append-only and could never be cleaned out of the shared one), in a municipality of its own. Each side loads the submission, then all
sides wait at a barrier and act at once, as two people do who opened the same page. Afterwards exactly one
side has succeeded, the other got the ordinary refusal, the history is an unbroken chain and there is at
most one certificate.
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

from portal.catalog import counter
from portal.japan import jst
from portal.models import Certificate, Municipality, MunicipalityProcedure, NamedSequence, Staff, Submission
from portal.procedures import Procedures
from portal.records.registry import RecordsSource, build_directory
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.services.submissions import SubmissionService
from portal.workflow import Condition, Outcome, TransitionRefused
from tests.db.recorded import recorded_resident
from tests.db.signing import shipped, signing_procedures
from tests.web.journeys import COUNTER_APPLICANT, JUMINHYO_ANSWERS, SODAI_GOMI_ANSWERS, collection_date, validated

CODE = "999954"  # this module's own municipality (check digit 4)
ALREADY_HANDLED = "この申請は既に処理されています。"
# The facts the case page establishes from the 住民記録 (services.review) and, for a case paid at the counter, its
# payments (services.payments); this module races the locks only.
MATCHED = frozenset({Condition.RECORD_MATCH, Condition.PAID})


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Procedures:
    """Real signing with this module's own development key, so 交付 renders and signs as in production."""
    return signing_procedures(tmp_path_factory.mktemp("pki"), [(CODE, "見本県競合市")])


@dataclass(frozen=True)
class People:
    resident: ActingUser
    clerk: ActingUser
    other_clerk: ActingUser
    approver: ActingUser


@pytest.fixture(scope="module")
def people(committing_engine: Engine) -> People:
    with Session(committing_engine, expire_on_commit=False) as session:
        municipality = Municipality(
            code=CODE, name="競合市", prefecture="見本県", mayor_title="競合市長", mayor_name="競合 太郎",
            seal="999997.svg", demo=True, procedures=[MunicipalityProcedure(slug="juminhyo")],
        )  # fmt: skip
        staff = [
            Staff(municipality_code=CODE, subject=f"race-{name}", name=name, role_values=[role])
            for name, role in (("窓口 一", Role.CLERK), ("窓口 二", Role.CLERK), ("決裁 三", Role.APPROVER))
        ]
        session.add(municipality)
        session.flush()  # staff name the municipality by code only
        session.add_all(staff)
        resident = recorded_resident(session, CODE, "race-resident")  # every 交付 here certifies their record
        session.commit()
        return People(ActingUser.of_resident(resident), *(ActingUser.of_staff(s) for s in staff))


def _submitted(
    engine: Engine, procedures: Procedures, people: People, *steps: tuple[ActingUser, str, str], slug: str = "juminhyo"
) -> int:
    """A committed submission of ``slug`` moved through ``steps`` (actor, transition, comment)."""
    answers = {"juminhyo": JUMINHYO_ANSWERS, "sodai_gomi": SODAI_GOMI_ANSWERS}[slug]
    with Session(engine, expire_on_commit=False) as session:
        service = SubmissionService(session, procedures, people.resident)
        definition = shipped(slug)
        assert definition is not None
        municipality = session.get_one(Municipality, CODE)
        submission = service.submit(municipality, definition, validated(definition, answers), _token())
        for actor, name, comment in steps:
            SubmissionService(session, procedures, actor).fire(submission, name, comment or None, MATCHED)
        session.commit()
        return submission.id


_tokens = iter(range(10**6))


def _token() -> str:
    return f"race-token-{next(_tokens)}"


Act = Callable[[Session, Submission], Any]


def race(engine: Engine, submission_id: int, *acts: Act) -> list[Any]:
    """Each act in its own thread and session: load the submission, wait for the others, then act and commit.

    Returns what each act returned, or the TransitionRefused it raised (its transaction rolled back).
    """
    barrier = threading.Barrier(len(acts), timeout=30)

    def run(act: Act) -> Any:
        with Session(engine, expire_on_commit=False) as session:
            submission = session.get_one(Submission, submission_id)
            submission.history  # noqa: B018 - loaded now, as the page the person acts from showed it
            session.commit()  # SQLite writers hold the database from their first statement: let go
            barrier.wait()
            try:
                result = act(session, submission)
            except TransitionRefused as refused:
                session.rollback()
                return refused
            session.commit()
            return result

    with ThreadPoolExecutor(len(acts)) as pool:
        return list(pool.map(run, acts))


RECORDS = build_directory({CODE: RecordsSource("demo")})


def firing(procedures: Procedures, actor: ActingUser, name: str, comment: str | None = None) -> Act:
    def act(session: Session, submission: Submission) -> Outcome:
        service = SubmissionService(session, procedures, actor, RECORDS.open_all(session))
        return service.fire(submission, name, comment, MATCHED)

    return act


def _check_one_won(results: list[Any]) -> tuple[Outcome, TransitionRefused]:
    won = [r for r in results if isinstance(r, Outcome)]
    refused = [r for r in results if isinstance(r, TransitionRefused)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].reason.msgid == ALREADY_HANDLED
    return won[0], refused[0]


def _committed(engine: Engine, submission_id: int) -> tuple[Submission, int]:
    """The submission with its history as committed, after checking the history is an unbroken chain."""
    with Session(engine, expire_on_commit=False) as session:
        submission = session.get_one(Submission, submission_id)
        history = list(submission.history)
        certificates = session.scalar(
            select(func.count()).select_from(Certificate).filter_by(submission_id=submission_id)
        )
    assert history[0].from_state is None
    for earlier, later in zip(history, history[1:], strict=False):
        assert later.from_state == earlier.to_state, [(r.transition, r.from_state, r.to_state) for r in history]
    assert history[-1].to_state == submission.state
    assert certificates is not None and certificates <= 1
    return submission, certificates


def test_two_clerks_start_the_same_review(committing_engine: Engine, procedures: Procedures, people: People) -> None:
    submission_id = _submitted(committing_engine, procedures, people)
    results = race(
        committing_engine,
        submission_id,
        firing(procedures, people.clerk, "start_review"),
        firing(procedures, people.other_clerk, "start_review"),
    )
    _check_one_won(results)
    submission, _ = _committed(committing_engine, submission_id)
    assert submission.state == "in_review"
    assert [r.transition for r in submission.history] == ["submit", "start_review"]


def test_approval_racing_the_withdrawal(committing_engine: Engine, procedures: Procedures, people: People) -> None:
    submission_id = _submitted(
        committing_engine,
        procedures,
        people,
        (people.clerk, "start_review", ""),
        (people.clerk, "request_approval", ""),
    )
    results = race(
        committing_engine,
        submission_id,
        firing(procedures, people.approver, "approve"),
        firing(procedures, people.resident, "withdraw"),
    )
    won, _ = _check_one_won(results)
    submission, _ = _committed(committing_engine, submission_id)
    assert submission.state == won.target  # whoever was told "done" is what happened
    assert submission.history[-1].transition == won.transition.name
    assert [r.transition for r in submission.history][:3] == ["submit", "start_review", "request_approval"]
    assert len(submission.history) == 4


def test_issuing_twice_issues_one_certificate(
    committing_engine: Engine, procedures: Procedures, people: People
) -> None:
    submission_id = _submitted(
        committing_engine,
        procedures,
        people,
        (people.clerk, "start_review", ""),
        (people.clerk, "request_approval", ""),
        (people.approver, "approve", ""),
    )
    results = race(
        committing_engine,
        submission_id,
        firing(procedures, people.clerk, "issue"),
        firing(procedures, people.other_clerk, "issue"),
    )
    _check_one_won(results)
    submission, certificates = _committed(committing_engine, submission_id)
    assert submission.state == "issued" and certificates == 1
    assert [r.transition for r in submission.history][-2:] == ["approve", "issue"]


def test_two_confirms_with_one_token_make_one_submission(
    committing_engine: Engine, procedures: Procedures, people: People
) -> None:
    definition = shipped("juminhyo")
    assert definition is not None
    token = _token()
    barrier = threading.Barrier(2, timeout=30)

    def confirm(_: int) -> str:
        with Session(committing_engine, expire_on_commit=False) as session:
            municipality = session.get_one(Municipality, CODE)
            session.commit()
            barrier.wait()
            submission = SubmissionService(session, procedures, people.resident).submit(
                municipality, definition, validated(definition, JUMINHYO_ANSWERS), token
            )
            session.commit()
            return submission.reference

    with ThreadPoolExecutor(2) as pool:
        references = list(pool.map(confirm, range(2)))

    assert references[0] == references[1]
    with Session(committing_engine) as session:
        made = session.scalars(select(Submission).filter_by(municipality_code=CODE, submission_token=token)).all()
        assert [s.reference for s in made] == references[:1]
        assert [r.transition for r in made[0].history] == ["submit"]


def test_two_confirms_at_the_counter_with_one_token_make_one_submission(
    committing_engine: Engine, procedures: Procedures, people: People
) -> None:
    """The clerk's row is locked as the resident's is online: a double press at the counter makes one case."""
    definition = counter.counter_definition(shipped("juminhyo"))
    entered = counter.split(validated(definition, {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS}))
    token = _token()
    barrier = threading.Barrier(2, timeout=30)

    def confirm(_: int) -> str:
        with Session(committing_engine, expire_on_commit=False) as session:
            municipality = session.get_one(Municipality, CODE)
            session.commit()
            barrier.wait()
            submission = SubmissionService(session, procedures, people.clerk).submit_at_counter(
                municipality, definition, entered, token
            )
            session.commit()
            return submission.reference

    with ThreadPoolExecutor(2) as pool:
        references = list(pool.map(confirm, range(2)))

    assert references[0] == references[1]
    with Session(committing_engine) as session:
        made = session.scalars(select(Submission).filter_by(municipality_code=CODE, submission_token=token)).all()
        assert [(s.reference, s.entered_by_id, s.resident_id) for s in made] == [(references[0], people.clerk.id, None)]


# The 収集日 sodai_gomi's 受付を完了する asks, as the case page's form sends it.
COLLECTION = {key: [value] for key, value in collection_date(jst.today()).items()}


def completing(procedures: Procedures, actor: ActingUser, submission_id: int) -> Act:
    """受付を完了する on the sodai_gomi case ``submission_id`` (whichever case the race loaded), numbering it."""

    def act(session: Session, _: Submission) -> Outcome:
        submission = session.get_one(Submission, submission_id)
        return SubmissionService(session, procedures, actor).fire(submission, "complete", None, inputs=COLLECTION)

    return act


def _last_number(engine: Engine) -> int:
    """The last 収集番号 taken in this module's municipality this year (0: none yet)."""
    with Session(engine) as session:
        query = select(NamedSequence.last_value).filter_by(municipality_code=CODE, name="sodai_gomi")
        return session.scalar(query.filter_by(year=jst.today().year)) or 0


def _serials(engine: Engine, *submission_ids: int) -> list[int | None]:
    """The serial part of each case's 収集番号 (``{year}-{n:05d}``); None when it has none."""
    with Session(engine) as session:
        numbers = [session.get_one(Submission, i).assigned_number for i in submission_ids]
    return [int(number.removeprefix(f"{jst.today().year}-")) if number else None for number in numbers]


def test_two_cases_completed_at_once_take_the_next_two_numbers(
    committing_engine: Engine, procedures: Procedures, people: People
) -> None:
    first, second = (_submitted(committing_engine, procedures, people, slug="sodai_gomi") for _ in range(2))
    before = _last_number(committing_engine)

    results = race(
        committing_engine,
        first,
        completing(procedures, people.clerk, first),
        completing(procedures, people.other_clerk, second),
    )

    assert all(isinstance(r, Outcome) for r in results), results
    assert sorted(_serials(committing_engine, first, second)) == [before + 1, before + 2]  # type: ignore[type-var]
    assert _last_number(committing_engine) == before + 2


def test_two_clerks_completing_one_case_number_it_once(
    committing_engine: Engine, procedures: Procedures, people: People
) -> None:
    submission_id = _submitted(committing_engine, procedures, people, slug="sodai_gomi")
    before = _last_number(committing_engine)

    results = race(
        committing_engine,
        submission_id,
        completing(procedures, people.clerk, submission_id),
        completing(procedures, people.other_clerk, submission_id),
    )

    _check_one_won(results)
    assert _serials(committing_engine, submission_id) == [before + 1]
    assert _last_number(committing_engine) == before + 1
