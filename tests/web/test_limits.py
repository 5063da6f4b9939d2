"""Rate limits: a script is stopped with a clear 429 page and Retry-After, and nothing it asked for happens.

Logins and 〒 look-ups are counted per address, submissions and transitions per person. The portal here
has low limits set through its settings; each test starts with them unspent, and each browser comes from
its own address unless the test says otherwise.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import load_settings
from portal.database import db
from portal.models import Resident
from portal.web import limits
from tests.unit.test_config import production_env
from tests.web.conftest import create_testing_app, login
from tests.web.journeys import (
    COUNTER_APPLICANT,
    JUMINHYO_ANSWERS,
    apply,
    db_state,
    fill_in,
    fire,
    hidden_inputs,
    post_form,
    state_of,
)
from tests.web.test_counter import COUNTER, enter
from tests.web.test_counter import fill_in as fill_in_at_counter

CODE = "999997"
FORM = f"/{CODE}/procedures/juminhyo/apply"
CONFIRM = f"/{CODE}/procedures/juminhyo/confirm"


@pytest.fixture(scope="module")
def limited_app(idp, database_url: str, engine: object, tmp_path_factory: pytest.TempPathFactory) -> Flask:  # type: ignore[no-untyped-def]
    return create_testing_app(
        idp,
        database_url,
        SESSION_DIR=str(tmp_path_factory.mktemp("limited-sessions")),
        RATELIMIT_LOGIN="4/minute",
        RATELIMIT_SUBMIT="2/minute",
        RATELIMIT_COUNTER="2/minute",
        RATELIMIT_TRANSITION="2/minute",
        RATELIMIT_POSTAL="3/minute",
        RATELIMIT_VERIFY="3/minute",
    )


@pytest.fixture
def browser(limited_app: Flask, db_session: Session, demo: Any):  # type: ignore[no-untyped-def]
    """``browser(address, login=None)``: a new browser from that address, logged in as ``login`` if given."""
    limited_app.extensions[limits.EXTENSION].reset()

    def make(address: str, login_as: tuple[str, str] | None = None) -> FlaskClient:
        client = limited_app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        if login_as:
            assert login(client, *login_as).status_code == 302
        return client

    return make


def assert_refused(response: Any, *, english: bool = False) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert 'class="site-header"' in response.text  # the portal's own page
    if english:
        assert '<html lang="en">' in response.text and "Too many attempts" in response.text
    else:
        assert '<html lang="ja">' in response.text and "操作の回数が多すぎます" in response.text


def test_login_starts_and_callbacks_share_a_budget_per_address(browser, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    script = browser("192.0.2.10")
    starts = [script.get("/auth/resident/login") for _ in range(4)]
    assert [start.status_code for start in starts] == [302, 302, 302, 302]
    authorize = starts[-1].headers["Location"]
    picked = requests.post(authorize, data={"sub": "resident-yamada"}, allow_redirects=False, timeout=10)
    callback = urlsplit(picked.headers["Location"])
    refused = script.get(f"{callback.path}?{callback.query}")
    assert_refused(refused)
    assert db_session.scalar(select(func.count()).select_from(Resident)) == 0  # nobody was logged in
    assert_refused(script.get("/auth/staff/login", query_string={"lang": "en"}), english=True)

    assert browser("192.0.2.11").get("/auth/resident/login").status_code == 302  # another address


def test_the_third_submission_in_a_minute_creates_nothing_and_others_still_submit(
    browser,  # type: ignore[no-untyped-def]
    db_session: Session,
) -> None:
    yamada = browser("192.0.2.20", ("resident", "resident-yamada"))
    first = apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)
    apply(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert fill_in(yamada, CODE, "juminhyo", JUMINHYO_ANSWERS).status_code == 302  # filling in is not submitting
    before = db_state(db_session)

    assert_refused(post_form(yamada, CONFIRM, {}))
    # A correction is a submission too; it is refused before anything is looked at.
    page = f"/{CODE}/applications/{first}"
    assert_refused(post_form(yamada, f"{page}/correct", JUMINHYO_ANSWERS, token_from=page))
    assert db_state(db_session) == before
    assert "申請する" in yamada.get(CONFIRM).text  # the answers wait on the confirmation page

    # Someone else behind the same address is not held back by Yamada's submissions.
    garcia = browser("192.0.2.20", ("resident", "resident-garcia"))
    assert apply(garcia, CODE, "juminhyo", JUMINHYO_ANSWERS)


def test_a_clerk_enters_two_applications_a_minute_here_and_the_third_creates_nothing(
    browser,  # type: ignore[no-untyped-def]
    db_session: Session,
) -> None:
    clerk = browser("192.0.2.25", ("staff", "staff-mihon-clerk"))
    enter(clerk)
    enter(clerk)
    confirm = f"{COUNTER}/juminhyo/confirm"
    filled = fill_in_at_counter(clerk, "juminhyo", {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS})
    assert filled.status_code == 302 and filled.headers["Location"] == confirm  # filling in is not submitting
    before = db_state(db_session)

    assert_refused(clerk.post(confirm, data=hidden_inputs(clerk, confirm)))
    assert db_state(db_session) == before  # no case, no history, no number
    assert "申請する" in clerk.get(confirm).text  # the answers wait on the confirmation page

    # A colleague at the next counter, behind the same address, still enters applications.
    assert enter(browser("192.0.2.25", ("staff", "staff-mihon-both")))


def test_transitions_are_counted_per_person(browser, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    resident = browser("192.0.2.30", ("resident", "resident-yamada"))
    reference = apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = browser("192.0.2.31", ("staff", "staff-mihon-clerk"))
    assert fire(clerk, reference, "start_review").status_code == 302
    assert fire(clerk, reference, "approve").status_code == 303  # refused by the workflow, but counted
    before = db_state(db_session)

    assert_refused(fire(clerk, reference, "return_to_applicant", "確認します。"))
    assert db_state(db_session) == before and state_of(db_session, CODE, reference) == "in_review"

    colleague = browser("192.0.2.31", ("staff", "staff-mihon-both"))
    assert fire(colleague, reference, "return_to_applicant", "確認します。").status_code == 302
    page = f"/{CODE}/applications/{reference}"
    assert post_form(resident, f"{page}/transitions/withdraw", {}, token_from=page).status_code == 302
    assert state_of(db_session, CODE, reference) == "withdrawn"


def test_postal_look_ups_share_a_budget_per_address(browser) -> None:  # type: ignore[no-untyped-def]
    resident = browser("192.0.2.40", ("resident", "resident-yamada"))
    assert [resident.get("/api/postal/1000001").status_code for _ in range(3)] == [200, 200, 200]
    assert post_form(resident, FORM, JUMINHYO_ANSWERS).status_code == 302  # answers sent are not a look-up

    lookup = post_form(resident, FORM, {**JUMINHYO_ANSWERS, "postal_code": "1000005", "lookup": "postal_code"})
    assert_refused(lookup)
    assert 'value="100-0001"' in resident.get(f"{FORM}?page=applicant").text  # the draft kept the answers sent
    assert_refused(resident.get("/api/postal/1000001"))

    assert browser("192.0.2.41").get("/api/postal/1000001").status_code == 200  # another address


def test_the_public_verify_page_cannot_be_swept(browser) -> None:  # type: ignore[no-untyped-def]
    """Guessing 発行番号 one after another: after the budget the answer is 429, not another «見つかりません»."""
    sweeper = browser("192.0.2.50")
    guesses = [f"/verify/{CODE}-2026-{n:06d}?c=AAAAAAAAAAAAAAAAAAAAAAAA" for n in range(1, 5)]
    assert [sweeper.get(url).status_code for url in guesses[:3]] == [404, 404, 404]
    assert_refused(sweeper.get(guesses[3]))

    assert browser("192.0.2.51").get(guesses[3]).status_code == 404  # another address


def test_a_redis_socket_holds_the_counters_too(build_app) -> None:  # type: ignore[no-untyped-def]
    """REDIS_URL may name a socket as redis-py does (unix://); the limits library calls it redis+unix://.
    No server listens there: the app must start, its counters bound to that socket and database."""
    portal = build_app(REDIS_URL="unix:///tmp/x.sock?db=2")
    counters = portal.extensions[limits.EXTENSION].storage.storage  # the limits library's redis client
    assert counters.connection_pool.connection_kwargs == {"path": "/tmp/x.sock", "db": 2}


@pytest.mark.parametrize(("trusted_proxies", "warned"), [("0", True), ("1", False)])
def test_production_without_trusted_proxies_warns_that_address_limits_are_shared(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    trusted_proxies: str,
    warned: bool,
) -> None:
    """Behind a load balancer, TRUSTED_PROXIES=0 (the default) makes every client one address: say so at start."""
    for attribute in ("engine", "sessionmaker"):  # create_app points the shared ``db`` at its (unreachable) database
        monkeypatch.setattr(db, attribute, getattr(db, attribute))
    with caplog.at_level(logging.WARNING, logger="portal.web.limits"):
        create_app(load_settings(production_env(tmp_path, TRUSTED_PROXIES=trusted_proxies)))
    logged = [record for record in caplog.records if record.name == "portal.web.limits"]
    expected = (
        "TRUSTED_PROXIES=0: behind a load balancer every request comes from its address, so each per-address "
        "rate limit (RATELIMIT_LOGIN, RATELIMIT_POSTAL, RATELIMIT_VERIFY) is shared by all clients; set "
        "TRUSTED_PROXIES to the number of proxies in front"
    )
    assert [(r.levelno, r.getMessage()) for r in logged] == ([(logging.WARNING, expected)] if warned else [])
