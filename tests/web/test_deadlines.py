"""期限日: counted in 開庁日 from the JST day of submission, shown in 和暦 on the case page, the application page and
the receipt; the clock stops while the case waits for the applicant (差戻し) or their online payment, and the 期限日
then moves by the 開庁日 waited; past it, the case is 期限超過 in words and marked."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from portal.japan import jst
from portal.japan.business_days import BusinessCalendar
from portal.models import MunicipalityClosure, Submission
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, approve_juminhyo, fire, post_form, state_of
from tests.web.test_fees_and_payment import ONLINE, back_to_portal, press, start_payment

CODE = "999997"
NATIONAL = BusinessCalendar()
SetToday = Callable[[date], None]


@pytest.fixture
def set_today(monkeypatch: pytest.MonkeyPatch) -> SetToday:
    """``set_today(day)``: from now on it is 10:00 on ``day`` in Japan, for the portal and its services."""

    def travel(day: date) -> None:
        monkeypatch.setattr(jst, "now", lambda: datetime.combine(day, time(10), jst.JST))

    return travel


def case(db_session, reference: str) -> Submission:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalars(select(Submission).filter_by(municipality_code=CODE, reference=reference)).one()


def deadline_text(page: str) -> str:
    """The 期限日 block of a page, its markup stripped."""
    found = re.search(r'id="deadline"[^>]*>(.*?)</dd>', page, re.S)
    assert found, "no 期限日 on the page"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


def staff_page(clerk, reference: str) -> str:  # type: ignore[no-untyped-def]
    return clerk.get(f"/backoffice/submissions/{reference}").text


def resident_page(client, reference: str) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/{CODE}/applications/{reference}").text


def test_the_deadline_counts_business_days_and_shows_in_wareki(client, make_client, db_session, set_today) -> None:
    set_today(date(2026, 9, 18))  # a Friday before 敬老の日, 国民の休日 and 秋分の日 (9/21-9/23)
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)  # 標準処理期間 3日

    assert case(db_session, reference).due_on == date(2026, 9, 28)  # 9/24, 9/25, then Monday 9/28
    receipt = html.unescape(client.get(f"/{CODE}/applications/{reference}/receipt").text)
    assert "標準処理期間は3日（土日・祝日・年末年始などの閉庁日を除く）です。" in receipt
    assert "処理の期限日 令和8年（2026年）9月28日" in deadline_text(receipt)
    assert "令和8年（2026年）9月28日" in deadline_text(resident_page(client, reference))
    clerk = make_client("staff", "staff-mihon-clerk")
    shown = deadline_text(staff_page(clerk, reference))
    assert shown.startswith("期限日 令和8年（2026年）9月28日") and "期限超過" not in shown


def test_a_municipalitys_closure_is_not_a_business_day(client, db_session, set_today) -> None:
    db_session.add(MunicipalityClosure(municipality_code=CODE, day=date(2026, 6, 3), reason="庁舎移転"))
    db_session.flush()
    set_today(date(2026, 6, 1))
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert case(db_session, reference).due_on == date(2026, 6, 5)  # 6/2, (6/3 closed), 6/4, 6/5


def test_a_return_of_three_business_days_moves_the_deadline_by_three(
    client, make_client, db_session, set_today
) -> None:
    set_today(date(2026, 6, 1))  # Monday
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert case(db_session, reference).due_on == date(2026, 6, 4)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")

    set_today(date(2026, 6, 2))  # Tuesday: 差戻し
    fire(clerk, reference, "return_to_applicant", "電話番号が確認できません。")
    returned = case(db_session, reference)
    assert (returned.state, returned.clock_paused_on, returned.due_on) == (
        "returned",
        date(2026, 6, 2),
        date(2026, 6, 4),
    )

    set_today(date(2026, 6, 5))  # Friday: past the 期限日, but the clock stands still
    shown = deadline_text(staff_page(clerk, reference))
    assert "停止中" in shown and "期限超過" not in shown and "申請者の修正を待つ間は数えません。" in shown
    assert "修正して再提出されるまで、期限日までの日数を数えません" in deadline_text(resident_page(client, reference))

    correct = f"/{CODE}/applications/{reference}/correct"
    assert post_form(client, correct, {**JUMINHYO_ANSWERS, "phone": "03-9876-5432"}).status_code == 302
    resubmitted = case(db_session, reference)
    assert (resubmitted.state, resubmitted.clock_paused_on) == ("submitted", None)
    # Waited Wednesday, Thursday and Friday: 3 開庁日 later than before.
    assert resubmitted.due_on == date(2026, 6, 9)
    assert NATIONAL.business_days_between(date(2026, 6, 4), resubmitted.due_on) == 3
    assert "令和8年（2026年）6月9日" in deadline_text(staff_page(clerk, reference))


def test_a_return_over_a_weekend_and_a_closure_counts_only_business_days(
    client, make_client, db_session, set_today
) -> None:
    db_session.add(MunicipalityClosure(municipality_code=CODE, day=date(2026, 6, 8), reason="システム更新"))
    db_session.flush()
    set_today(date(2026, 6, 1))
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)  # due Thursday 6/4
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    set_today(date(2026, 6, 4))  # Thursday
    fire(clerk, reference, "return_to_applicant", "電話番号が確認できません。")
    set_today(date(2026, 6, 9))  # the next Tuesday: Fri 5th, (weekend), (Mon 8th closed), Tue 9th = 2
    correct = f"/{CODE}/applications/{reference}/correct"
    assert post_form(client, correct, JUMINHYO_ANSWERS).status_code == 302
    assert case(db_session, reference).due_on == date(2026, 6, 9)  # Thursday 4th + 2: Fri 5th, (8th closed) Tue 9th


def test_the_clock_waits_for_an_online_payment_only(client, make_client, db_session, set_today) -> None:
    set_today(date(2026, 6, 1))  # Monday
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", ONLINE)  # due Thursday 6/4
    clerk = approve_juminhyo(make_client, reference, clerk="staff-mihon-clerk", approver="staff-mihon-approver")
    approved = case(db_session, reference)
    assert (approved.state, approved.clock_paused_on) == ("approved", date(2026, 6, 1))
    assert "申請者のオンライン決済を待つ間は数えません。" in deadline_text(staff_page(clerk, reference))
    assert "お支払いが確認されるまで" in deadline_text(resident_page(client, reference))

    set_today(date(2026, 6, 4))  # Thursday: paid after 3 開庁日 (Tue, Wed, Thu)
    location = press(start_payment(client, reference).headers["Location"], "pay")
    back_to_portal(client, location)
    paid = case(db_session, reference)
    assert (paid.state, paid.clock_paused_on, paid.due_on) == ("approved", None, date(2026, 6, 9))

    assert fire(clerk, reference, "issue").status_code == 302  # the clock runs until then as it would
    assert case(db_session, reference).due_on == date(2026, 6, 9)


def test_paying_at_the_counter_never_stops_the_clock(client, make_client, db_session, set_today) -> None:
    set_today(date(2026, 6, 1))
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)  # 窓口で支払う
    approve_juminhyo(make_client, reference, clerk="staff-mihon-clerk", approver="staff-mihon-approver")
    approved = case(db_session, reference)
    assert (approved.state, approved.clock_paused_on, approved.due_on) == ("approved", None, date(2026, 6, 4))


def test_past_the_deadline_the_case_is_overdue_in_words(client, make_client, db_session, set_today) -> None:
    set_today(date(2026, 6, 1))
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)  # due Thursday 6/4
    clerk = make_client("staff", "staff-mihon-clerk")

    set_today(date(2026, 6, 4))
    shown = deadline_text(staff_page(clerk, reference))
    assert "本日が期限" in shown and "期限超過" not in shown

    set_today(date(2026, 6, 5))
    page = staff_page(clerk, reference)
    assert "期限超過" in deadline_text(page)
    assert re.search(r'<div class="definition-list__row deadline--overdue" id="deadline">', page)
    mine = resident_page(client, reference)
    assert "期限超過" in deadline_text(mine) and "標準処理期間を過ぎています。" in deadline_text(mine)
    assert 'class="definition-list deadline deadline--overdue"' in mine

    # A finished case is never overdue; the resident no longer sees a 期限日.
    page = f"/{CODE}/applications/{reference}"
    assert post_form(client, f"{page}/transitions/withdraw", {}, token_from=page).status_code == 302
    assert state_of(db_session, CODE, reference) == "withdrawn"
    shown = deadline_text(staff_page(clerk, reference))
    assert "期限超過" not in shown and "処理は完了しています。" in shown
    assert 'id="deadline"' not in resident_page(client, reference)


def test_a_case_without_a_deadline_gets_one_when_its_state_next_changes(
    client, make_client, db_session, set_today
) -> None:
    """A case the previous release made during the rollout: no 期限日 until the new one moves it."""
    set_today(date(2026, 6, 1))
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    made = case(db_session, reference)
    made.due_on = None
    db_session.flush()
    clerk = make_client("staff", "staff-mihon-clerk")
    assert deadline_text(staff_page(clerk, reference)).startswith("期限日 なし")

    set_today(date(2026, 6, 3))
    fire(clerk, reference, "start_review")
    moved = case(db_session, reference)
    submitted_on = moved.submitted_at.astimezone(jst.JST).date()  # stored by the database clock, not the test's
    assert moved.due_on == NATIONAL.add_business_days(submitted_on, 3)
