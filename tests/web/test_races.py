"""Two browsers pressing the same button at the same moment, through the real app and its own connections.

The requests commit for real, so the app is pointed at the ``committing_engine`` database for these tests
(see tests/db/test_concurrency.py for the same races driven at the service layer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from portal.database import db
from portal.demo import load_demo_data
from portal.models import Submission
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, fill_in, hidden_inputs, receipt_reference

CODE = "999997"
ALREADY_HANDLED = "この申請は既に処理されています。"


@pytest.fixture
def race_app(app: Flask, committing_engine: Engine) -> Iterator[Flask]:
    """The test app with its requests committing to this module's database (and the demo municipalities)."""
    maker = sessionmaker(bind=committing_engine, expire_on_commit=False)
    with maker() as session:
        load_demo_data(session)
        session.commit()
    previous = db.sessionmaker
    db.sessionmaker = maker
    yield app
    db.sessionmaker = previous


def _together(*calls: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls), timeout=30)

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_double_submit_through_the_web_leads_both_presses_to_one_receipt(
    race_app: Flask, committing_engine: Engine
) -> None:
    resident = race_app.test_client()
    login(resident, "resident", "resident-sato")
    confirm_path = f"/{CODE}/procedures/juminhyo/confirm"
    assert fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS).headers["Location"] == confirm_path
    form = hidden_inputs(resident, confirm_path)
    second_tab = race_app.test_client()  # the same browser session, a second connection
    second_tab.set_cookie("session", resident.get_cookie("session").value)  # type: ignore[union-attr]

    first, second = _together(
        lambda: resident.post(confirm_path, data=form), lambda: second_tab.post(confirm_path, data=form)
    )

    reference = receipt_reference(CODE, first)
    assert receipt_reference(CODE, second) == reference
    with Session(committing_engine) as session:
        made = session.scalars(select(Submission).filter_by(submission_token=form["submission_token"])).all()
        assert [s.reference for s in made] == [reference]


def test_two_clerks_pressing_start_review_through_the_web(race_app: Flask, committing_engine: Engine) -> None:
    resident = race_app.test_client()
    login(resident, "resident", "resident-sato")
    reference = apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerks = []
    for sub in ("staff-mihon-clerk", "staff-mihon-both"):
        clerk = race_app.test_client()
        login(clerk, "staff", sub)
        clerks.append(clerk)
    page = f"/backoffice/submissions/{reference}"
    forms = [hidden_inputs(clerk, page) for clerk in clerks]

    responses = _together(
        *(
            lambda c=c, f=f: c.post(f"{page}/transitions/start_review", data=f)
            for c, f in zip(clerks, forms, strict=True)
        )
    )

    assert sorted(r.status_code for r in responses) == [302, 303]  # one done, one refused; never a 500
    refused = next(c for c, r in zip(clerks, responses, strict=True) if r.status_code == 303)
    shown = refused.get(page).text
    assert ALREADY_HANDLED in shown or "既に他の職員が処理した可能性があります" in shown
    with Session(committing_engine) as session:
        submission = session.scalars(select(Submission).filter_by(municipality_code=CODE, reference=reference)).one()
        assert submission.state == "in_review"
        assert [r.transition for r in submission.history] == ["submit", "start_review"]
