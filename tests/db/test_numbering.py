"""The numbers a workflow gives its cases (``numbering`` + ``assign_number``): once per case, one series per
municipality, name and year, no gaps; the database refuses two cases with one number."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.demo import load_demo_data
from portal.japan import jst
from portal.models import NamedSequence, Resident, Submission
from portal.services.numbering import assign_number
from portal.workflow import Numbering
from tests.db.signing import version_ids

REGISTRATION = Numbering("registration", "登録番号", "{year}-{n:05d}")
YEAR = jst.today().year


@pytest.fixture
def cases(db_session: Session) -> list[Submission]:
    """Two cases in 見本市 and one in 試験町, none numbered yet."""
    load_demo_data(db_session)
    resident = Resident(subject="numbered", profile={})
    made = [
        Submission(
            municipality_code=code,
            reference=f"{YEAR}-{index:06d}",
            procedure="sodai_gomi",
            resident=resident,
            state="received",
            **version_ids(db_session, "sodai_gomi"),
            answers={},
        )
        for index, code in enumerate(("999997", "999997", "999989"), 1)
    ]
    db_session.add_all(made)
    db_session.flush()
    return made


def last_values(db_session: Session) -> dict[tuple[str, str], int]:
    rows = db_session.execute(select(NamedSequence.municipality_code, NamedSequence.name, NamedSequence.last_value))
    return {(code, name): value for code, name, value in rows}


def test_a_case_is_numbered_once_however_often_it_is_asked(db_session: Session, cases: list[Submission]) -> None:
    first, second, _ = cases

    assert assign_number(db_session, first, REGISTRATION) == f"{YEAR}-00001"
    assert assign_number(db_session, first, REGISTRATION) == f"{YEAR}-00001"
    assert assign_number(db_session, second, REGISTRATION) == f"{YEAR}-00002"

    assert (first.number_series, second.number_series) == ("registration", "registration")
    assert last_values(db_session) == {("999997", "registration"): 2}


def test_each_municipality_and_series_counts_on_its_own(db_session: Session, cases: list[Submission]) -> None:
    mihon, other_series, shiken = cases

    assert assign_number(db_session, mihon, REGISTRATION) == f"{YEAR}-00001"
    assert assign_number(db_session, shiken, REGISTRATION) == f"{YEAR}-00001"
    assert assign_number(db_session, other_series, Numbering("collection", "収集番号", "C{n}")) == "C1"

    assert last_values(db_session) == {
        ("999997", "registration"): 1,
        ("999989", "registration"): 1,
        ("999997", "collection"): 1,
    }


def test_the_database_refuses_one_number_on_two_cases_of_a_series(db_session: Session, cases: list[Submission]) -> None:
    first, second, _ = cases
    assign_number(db_session, first, REGISTRATION)

    second.assigned_number, second.number_series = first.assigned_number, first.number_series
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.flush()
