"""A municipality's own 閉庁日 on its settings page: added (a day or a run of days, skipping days already closed) and
taken off with an audit entry each; bad input shows the error on its field and changes nothing; new applications
count their 期限日 without them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.japan import jst
from portal.japan.business_days import BusinessCalendar
from portal.models import AuditAction, MunicipalityClosure, Submission
from tests.web.admin.conftest import (
    ADMIN_NAME,
    MIHON,
    SHIKEN,
    admin_state,
    audit_entries,
    error_summary,
    invalid_inputs,
    submit,
)
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, flashed

PAGE = f"/backoffice/admin/municipalities/{MIHON}/"
ADD = f"{PAGE}closures"
NATIONAL = BusinessCalendar()


def open_day(after: date, weekday: int) -> date:
    """The first 開庁日 after ``after`` falling on ``weekday`` (0 = Monday)."""
    day = after + timedelta(days=1)
    while day.weekday() != weekday or not NATIONAL.is_open(day):
        day += timedelta(days=1)
    return day


def a_friday_before_an_open_monday() -> date:
    friday = open_day(jst.today() + timedelta(days=7), 4)
    while not NATIONAL.is_open(friday + timedelta(days=3)):
        friday = open_day(friday, 4)
    return friday


def dated(name: str, day: date | None) -> dict[str, str]:
    if day is None:
        return {f"{name}-era": "seireki", f"{name}-year": "", f"{name}-month": "", f"{name}-day": ""}
    return {
        f"{name}-era": "seireki",
        f"{name}-year": str(day.year),
        f"{name}-month": str(day.month),
        f"{name}-day": str(day.day),
    }


def closing(first: date | None, last: date | None = None, reason: str = "庁舎移転のため") -> dict[str, Any]:
    return {**dated("closure_from", first), **dated("closure_until", last), "closure_reason": reason}


def closures(db_session) -> list[tuple[str, date, str]]:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    rows = db_session.scalars(select(MunicipalityClosure).order_by(MunicipalityClosure.day))
    return [(c.municipality_code, c.day, c.reason) for c in rows]


def everything(db_session) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    return (admin_state(db_session), tuple(closures(db_session)))


def test_the_page_explains_closures_and_offers_the_form(admin: FlaskClient, db_session) -> None:
    page = admin.get(PAGE).text
    assert "登録済みの閉庁日はありません。" in page
    assert "土日・祝日・年末年始（12月29日〜1月3日）のほかに庁舎を閉める日です。" in page
    assert 'id="field-closure_from"' in page and 'id="field-closure_reason"' in page
    assert "続けて閉める最後の日（31日間まで）。空欄なら初日の1日だけです。" in page


def test_an_administrator_closes_a_day_and_the_audit_log_keeps_it(admin: FlaskClient, db_session) -> None:
    day = open_day(jst.today() + timedelta(days=7), 2)
    response = submit(admin, ADD, closing(day), token_from=PAGE)
    assert response.headers["Location"] == f"{PAGE}#section-closures"
    assert "閉庁日を1日登録しました。" in flashed(admin, response)
    assert closures(db_session) == [(MIHON, day, "庁舎移転のため")]
    [entry] = audit_entries(db_session)
    assert (entry.action, entry.target, entry.municipality_code, entry.actor_name) == (
        AuditAction.CLOSURE_ADDED,
        f"municipality:{MIHON}",
        MIHON,
        ADMIN_NAME,
    )
    assert (entry.before, entry.after) == (
        None,
        {"closure_days": [day.isoformat()], "closure_reason": "庁舎移転のため"},
    )
    page = admin.get(PAGE).text
    assert "庁舎移転のため" in page and f"/closures/{day.isoformat()}/delete" in page
    log = admin.get(f"/backoffice/admin/municipalities/{MIHON}/audit").text
    assert "閉庁日の登録" in log and f"（{day.year}年）" in log


def test_a_run_of_days_skips_the_days_already_closed(admin: FlaskClient, db_session) -> None:
    friday = a_friday_before_an_open_monday()
    monday = friday + timedelta(days=3)
    response = submit(admin, ADD, closing(friday, monday, "システム更新"), token_from=PAGE)
    assert "閉庁日を2日登録しました。" in flashed(admin, response)
    assert [day for _, day, _ in closures(db_session)] == [friday, monday]  # not the weekend


def test_a_closure_is_not_counted_in_a_new_applications_deadline(
    admin: FlaskClient, client: FlaskClient, db_session
) -> None:
    today = jst.today()
    next_open = NATIONAL.add_business_days(today, 1)
    submit(admin, ADD, closing(next_open, reason="臨時休庁"), token_from=PAGE)
    login(client, "resident", "resident-yamada")
    reference = apply(client, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    db_session.expire_all()
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.due_on == BusinessCalendar.of([next_open]).add_business_days(today, 3)
    assert submission.due_on == NATIONAL.add_business_days(today, 4)


def test_taking_a_closure_off(admin: FlaskClient, db_session) -> None:
    day = open_day(jst.today() + timedelta(days=7), 2)
    submit(admin, ADD, closing(day), token_from=PAGE)
    response = submit(admin, f"{PAGE}closures/{day.isoformat()}/delete", {}, token_from=PAGE)
    assert "を閉庁日から外しました。" in flashed(admin, response)
    assert closures(db_session) == []
    entry = audit_entries(db_session)[-1]
    assert (entry.action, entry.before, entry.after) == (
        AuditAction.CLOSURE_REMOVED,
        {"closure_days": [day.isoformat()], "closure_reason": "庁舎移転のため"},
        {"closure_days": None, "closure_reason": None},
    )

    # Again: nothing is there to take off.
    before = everything(db_session)
    again = submit(admin, f"{PAGE}closures/{day.isoformat()}/delete", {}, token_from=PAGE)
    assert f"{day.isoformat()} は閉庁日として登録されていません。" in flashed(admin, again)
    assert everything(db_session) == before
    assert submit(admin, f"{PAGE}closures/2026-02-30/delete", {}, token_from=PAGE).status_code == 404
    assert everything(db_session) == before


def _saturday() -> date:
    return open_day(jst.today() + timedelta(days=7), 4) + timedelta(days=1)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (lambda: closing(None), "closure_from", "閉庁日（初日）を入力してください"),
        (lambda: closing(jst.today(), reason="  "), "closure_reason", "閉庁の理由を入力してください"),
        (
            lambda: closing(jst.today(), reason="理" * 101),
            "closure_reason",
            "閉庁の理由は100文字以内で入力してください",
        ),
        (
            lambda: closing(jst.today() + timedelta(days=10), jst.today() + timedelta(days=9)),
            "closure_until",
            "最終日（",
        ),
        (
            lambda: closing(jst.today(), jst.today() + timedelta(days=31)),
            "closure_until",
            "一度に登録できる閉庁日は31日分までです。",
        ),
        (lambda: closing(jst.today() - timedelta(days=400)), "closure_from", "閉庁日（初日）は"),
        (lambda: closing(jst.today() + timedelta(days=800)), "closure_from", "閉庁日（初日）は"),
        (lambda: closing(_saturday()), "closure_from", "はもともと閉庁日です（土曜日・日曜日）。"),
        (
            lambda: closing(_saturday(), _saturday() + timedelta(days=1)),
            "closure_from",
            "までは、すべてもともと閉庁日です",
        ),
    ],
    ids=[
        "no day",
        "no reason",
        "long reason",
        "ends first",
        "too long",
        "too early",
        "too late",
        "saturday",
        "weekend",
    ],
)
def test_bad_closures_show_the_error_and_change_nothing(admin: FlaskClient, db_session, data, field, message) -> None:
    before = everything(db_session)
    response = submit(admin, ADD, data(), token_from=PAGE)
    assert response.status_code == 200
    [(anchor, shown)] = error_summary(response.text)
    assert anchor.startswith(f"field-{field}") and message in shown, shown
    assert any(name.startswith(f"field-{field}") for name in invalid_inputs(response.text))
    assert everything(db_session) == before


def test_a_day_closed_already_is_refused(admin: FlaskClient, db_session) -> None:
    day = open_day(jst.today() + timedelta(days=7), 2)
    submit(admin, ADD, closing(day), token_from=PAGE)
    before = everything(db_session)
    response = submit(admin, ADD, closing(day, reason="二度目"), token_from=PAGE)
    [(_, shown)] = error_summary(response.text)
    assert shown == f"{day.isoformat()} はもともと閉庁日です（自治体の閉庁日）。"
    assert everything(db_session) == before


def test_only_the_municipalitys_administrators_close_its_offices(browser, db_session) -> None:
    day = open_day(jst.today() + timedelta(days=7), 2)
    before = everything(db_session)
    other = browser("staff-shiken-admin")
    assert submit(other, ADD, closing(day), token_from=f"/backoffice/admin/municipalities/{SHIKEN}/").status_code == 404
    clerk = browser("staff-mihon-clerk")
    assert submit(clerk, ADD, closing(day), token_from="/backoffice/").status_code == 403
    assert everything(db_session) == before


def _cli(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["municipality", *args])


def test_the_command_line_closes_and_reopens_with_the_same_checks(app, client, db_session) -> None:
    friday = a_friday_before_an_open_monday()
    monday = friday + timedelta(days=3)
    result = _cli(app, "close", MIHON, friday.isoformat(), "--until", monday.isoformat(), "--reason", "システム更新")
    assert result.exit_code == 0, result.output
    assert result.output == f"{MIHON} is closed on {friday.isoformat()}, {monday.isoformat()}\n"
    assert [day for _, day, _ in closures(db_session)] == [friday, monday]
    entry = audit_entries(db_session)[-1]
    assert (entry.action, entry.actor_id) == (AuditAction.CLOSURE_ADDED, None)

    before = everything(db_session)
    refused = _cli(app, "close", MIHON, (friday + timedelta(days=1)).isoformat(), "--reason", " ")
    assert refused.exit_code == 1
    assert "--reason: 閉庁の理由は1文字以上100文字以内にしてください。" in refused.output
    weekend = _cli(app, "close", MIHON, (friday + timedelta(days=1)).isoformat(), "--reason", "土曜")
    assert "DAY: " in weekend.output and "もともと閉庁日です（土曜日・日曜日）" in weekend.output
    assert everything(db_session) == before

    assert _cli(app, "reopen", MIHON, friday.isoformat()).exit_code == 0
    assert [day for _, day, _ in closures(db_session)] == [monday]
    again = _cli(app, "reopen", MIHON, friday.isoformat())
    assert again.exit_code == 1 and f"DAY: {friday.isoformat()} は閉庁日として登録されていません。" in again.output
