"""The queue's views (要対応, 担当, 未割当, 完了, すべて), its search and filters, and its keyset pages."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from portal.japan import jst
from portal.models import Payment, PaymentStatus, Staff
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.services.queue import Cursor, QueueFilter, QueueService, View
from tests.web import queuecases as cases
from tests.web.queuecases import references

MIHON, SHIKEN = "999997", "999989"


def _logged_in_actor(db_session, sub: str) -> ActingUser:
    return ActingUser.of_staff(db_session.scalars(select(Staff).filter_by(subject=sub)).one())


def test_each_view_lists_what_it_says_and_only_this_municipalitys_cases(app, make_client, db_session):
    clerk, approver = make_client("staff", "staff-mihon-clerk"), make_client("staff", "staff-mihon-approver")
    reviewer = cases.staff(db_session, MIHON, "審査 花子", Role.CLERK)
    submitted = cases.submit(app, db_session, MIHON)
    awaiting = cases.submit(app, db_session, MIHON)
    cases.fire(app, db_session, awaiting, reviewer, "start_review")
    cases.fire(app, db_session, awaiting, reviewer, "request_approval")
    rejected = cases.submit(app, db_session, MIHON)
    cases.fire(app, db_session, rejected, reviewer, "start_review")
    cases.fire(app, db_session, rejected, reviewer, "reject", "要件を満たしません")
    gomi = cases.submit(app, db_session, MIHON, "sodai_gomi")
    suzuki = {"family_name": "鈴木", "given_name": "一郎", "family_name_kana": "スズキ", "given_name_kana": "イチロウ"}
    elsewhere = cases.submit(app, db_session, SHIKEN, names=suzuki)
    assert rejected.closed and not awaiting.closed and elsewhere.municipality_code == SHIKEN

    def view(browser, name: str) -> list[str]:
        page = browser.get("/backoffice/", query_string={"view": name})
        assert page.status_code == 200
        return references(page.text)

    # 要対応: what each person can fire now, by role and state.
    assert view(clerk, "action") == [submitted.reference, gomi.reference]
    assert view(approver, "action") == [awaiting.reference]
    assert references(clerk.get("/backoffice/").text) == [submitted.reference, gomi.reference]  # the default
    assert view(clerk, "done") == [rejected.reference]
    assert view(clerk, "all") == [submitted.reference, awaiting.reference, rejected.reference, gomi.reference]
    assert view(clerk, "unassigned") == [submitted.reference, awaiting.reference, gomi.reference]
    assert view(clerk, "mine") == []
    # 試験町's case is not even found by its applicant's name.
    assert references(cases.search(clerk, view="all", q="すずき").text) == []

    gomi.assignee_id = _logged_in_actor(db_session, "staff-mihon-clerk").id
    db_session.flush()
    assert view(clerk, "mine") == [gomi.reference]
    assert view(approver, "mine") == []
    assert view(clerk, "unassigned") == [submitted.reference, awaiting.reference]
    page = clerk.get("/backoffice/", query_string={"view": "mine"}).text
    assert "窓口 一郎" in page and 'aria-current="page">自分の担当<' in page
    assert view(clerk, "no-such-view") == [submitted.reference, gomi.reference]  # an unknown view is 要対応


def test_action_leaves_out_cases_the_four_eyes_rule_or_an_outstanding_online_payment_bars(
    app, make_client, db_session, catalog, sources: Path
):
    # A workflow whose 決裁待ち offers approvers nothing but 決裁する, which the reviewer may not do.
    workflow = sources / "workflows" / "juminhyo.yaml"
    text = workflow.read_text(encoding="utf-8")
    for name in ("send_back", "reject_on_approval"):
        start = text.index(f"  - name: {name}\n")
        end = text.index("  - name: ", start + 1)
        text = text[:start] + text[end:]
    workflow.write_text(text, encoding="utf-8")
    assert catalog("publish", "--by", "テスト").exit_code == 0

    both = make_client("staff", "staff-mihon-both")  # clerk and approver
    me = _logged_in_actor(db_session, "staff-mihon-both")
    other = cases.staff(db_session, MIHON, "審査 花子", Role.CLERK)
    approver = cases.staff(db_session, MIHON, "決裁 一子", Role.APPROVER)
    reviewed_by_me, reviewed_by_other = cases.submit(app, db_session, MIHON), cases.submit(app, db_session, MIHON)
    for case, reviewer in ((reviewed_by_me, me), (reviewed_by_other, other)):
        cases.fire(app, db_session, case, reviewer, "start_review")
        cases.fire(app, db_session, case, reviewer, "request_approval")
    assert reviewed_by_me.workflow_version.number == 2, "the workflow published above"
    assert references(both.get("/backoffice/").text) == [reviewed_by_other.reference]

    # 交付 requires [paid]: a case whose applicant chose online payment waits for it, not for the clerk.
    clerk = make_client("staff", "staff-mihon-clerk")
    at_counter = cases.submit(app, db_session, MIHON)
    online = cases.submit(app, db_session, MIHON, names={"payment_method": "online"})
    for case in (at_counter, online):
        cases.fire(app, db_session, case, other, "start_review")
        cases.fire(app, db_session, case, other, "request_approval")
        cases.fire(app, db_session, case, approver, "approve")
    assert online.fee and online.state == at_counter.state == "approved"
    assert references(clerk.get("/backoffice/").text) == [at_counter.reference]
    db_session.add(
        Payment(submission_id=online.id, municipality_code=MIHON, provider="dev", provider_reference="p1",
                amount=online.fee, status=PaymentStatus.PAID)
    )  # fmt: skip
    db_session.flush()
    assert references(clerk.get("/backoffice/").text) == [at_counter.reference, online.reference]


def test_search_finds_a_reference_a_name_or_its_furigana_however_it_is_typed(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    yamada = cases.submit(app, db_session, MIHON)
    sato = cases.submit(
        app,
        db_session,
        MIHON,
        names={"family_name": "佐藤", "given_name": "花子", "family_name_kana": "サトウ", "given_name_kana": "ハナコ"},
    )
    full_width = yamada.reference.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))

    def found(search: str) -> list[str]:
        return references(cases.search(clerk, view="all", q=search).text)

    for search in (
        "やまだ",
        "ﾔﾏﾀﾞ",
        "ヤマダ　タロウ",
        "山田 太郎",
        "田太",
        yamada.reference,
        full_width,
        f" {yamada.reference} ",
    ):
        assert found(search) == [yamada.reference], search
    for search in ("さとう はなこ", "ｻﾄｳ", "佐藤"):
        assert found(search) == [sato.reference], search
    assert found("") == [yamada.reference, sato.reference]
    shown = cases.search(clerk, view="all", q="やまだ").text
    assert 'value="やまだ"' in shown  # the search box keeps what was typed
    assert "やまだ" not in "".join(re.findall(r'href="([^"]+)"', shown))  # but no link carries it
    assert found("%") == [] and found("_") == [] and found("鈴木") == []  # LIKE's wildcards are plain characters
    assert found(yamada.reference[:-1] + "9") == []
    # Nothing in this view: the page offers the same search over every case.
    page = cases.search(clerk, view="done", q="やまだ").text
    assert references(page) == [] and "「すべて」の申請から探す" in page


def test_filters_narrow_by_procedure_state_and_submission_date(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    day = lambda d: datetime.combine(d, datetime.min.time(), tzinfo=jst.JST)  # noqa: E731
    old = cases.submit(app, db_session, MIHON, submitted_at=day(date(2026, 4, 1)) + timedelta(hours=23, minutes=59))
    new = cases.submit(app, db_session, MIHON, submitted_at=day(date(2026, 4, 2)))
    gomi = cases.submit(app, db_session, MIHON, "sodai_gomi", submitted_at=day(date(2026, 4, 3)))

    def found(**query: str) -> list[str]:
        return references(clerk.get("/backoffice/", query_string={"view": "all", **query}).text)

    assert found(procedure="sodai_gomi") == [gomi.reference]
    assert found(procedure="juminhyo") == [old.reference, new.reference]
    assert found(state="received") == [gomi.reference]
    assert found(state="nonexistent") == []
    assert found(**{"from": "2026-04-02"}) == [new.reference, gomi.reference]
    assert found(to="2026-04-01") == [old.reference]  # the whole JST day, 23:59 included
    assert found(**{"from": "2026-04-02", "to": "2026-04-02"}) == [new.reference]


def test_a_filter_that_is_not_a_date_is_marked_and_lists_nothing(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    cases.submit(app, db_session, MIHON)
    for query, field, message in (
        ({"from": "4月1日"}, "filter-from", "申請日（から）は 2026-04-01 の形で入力してください。"),
        ({"to": "2026-02-30"}, "filter-to", "申請日（まで）は 2026-04-01 の形で入力してください。"),
        (
            {"from": "2026-04-02", "to": "2026-04-01"},
            "filter-to",
            "申請日（まで）は、申請日（から）と同じか後の日付にしてください。",
        ),
        ({"q": "あ" * 101}, "filter-q", "検索する語は100文字以内で入力してください。"),
        ({"q": "やまだ", "view": "all"}, "filter-q", None),  # a search this session never made (its token only)
    ):
        if "q" in query and message is not None:
            page = cases.search(clerk, **query)
        elif "q" in query:
            page = clerk.get("/backoffice/", query_string={"view": "all", "search": "not-one-of-mine"})
            message = "この検索は見つかりません（ログアウトすると消えます）。もう一度検索してください。"
        else:
            page = clerk.get("/backoffice/", query_string=query)
        assert page.status_code == 200
        assert "<title>エラー: " in page.text and f'<a href="#{field}">{message}</a>' in page.text
        assert f'id="{field}-error"' in page.text and 'aria-invalid="true"' in page.text
        assert references(page.text) == []


def test_pages_of_50_follow_a_stable_order_forward_and_back(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    moment = jst.now() - timedelta(days=1)
    made = [cases.submit(app, db_session, MIHON, submitted_at=moment).reference for _ in range(55)]  # one instant

    first = clerk.get("/backoffice/", query_string={"view": "all"}).text
    assert references(first) == made[:50] and 'rel="prev"' not in first
    next_url = _link(first, "next")
    second = clerk.get(next_url).text
    assert references(second) == made[50:] and 'rel="next"' not in second
    back = clerk.get(_link(second, "prev")).text
    assert references(back) == made[:50] and 'rel="prev"' not in back
    assert "view=all" in next_url


def test_a_cursor_that_is_not_one_is_a_bad_request(make_client):
    clerk = make_client("staff", "staff-mihon-clerk")
    for cursor in ("abc", "1-2-3", "99999999999999999999-1", "-5-1"):
        assert clerk.get("/backoffice/", query_string={"after": cursor}).status_code == 400
        assert clerk.get("/backoffice/", query_string={"before": cursor}).status_code == 400


def test_a_cursor_past_every_id_is_no_server_error(make_client, db_session, demo):
    """A cursor is the client's text: an id larger than PostgreSQL's INTEGER orders as the largest, never a 500."""
    clerk = make_client("staff", "staff-mihon-clerk")
    for argument in ("after", "before"):
        assert clerk.get("/backoffice/", query_string={argument: "0-999999999999999999"}).status_code == 200


def test_keyset_pages_in_both_directions_at_the_service(app, db_session, demo):
    actor = cases.staff(db_session, MIHON, "窓口 花子", Role.CLERK)
    reviewer = cases.staff(db_session, MIHON, "審査 花子", Role.CLERK)
    moment = jst.now() - timedelta(days=2)
    made = []
    for i in range(5):
        case = cases.submit(app, db_session, MIHON, submitted_at=moment + timedelta(minutes=i // 2))  # ties too
        cases.fire(app, db_session, case, reviewer, "start_review")
        cases.fire(app, db_session, case, reviewer, "reject", "要件を満たしません")
        made.append(case.id)
    service = QueueService(db_session, cases.procedures(app), actor)
    newest_first = list(reversed(made))
    done = QueueFilter(view=View.DONE)

    first = service.page(done, size=2)
    assert [s.id for s in first.submissions] == newest_first[:2] and first.previous is None
    second = service.page(done, after=first.next, size=2)
    third = service.page(done, after=second.next, size=2)
    assert [s.id for s in second.submissions + third.submissions] == newest_first[2:]
    assert third.next is None and third.previous is not None
    assert [s.id for s in service.page(done, before=third.previous, size=2).submissions] == newest_first[2:4]
    assert Cursor.parse(first.next.token, done) == first.next


def _link(page: str, rel: str) -> str:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    assert match, rel
    return html.unescape(match[1])


def test_reindex_corrects_cases_the_previous_release_left_behind(app, db_session, demo):
    reviewer = cases.staff(db_session, MIHON, "審査 花子", Role.CLERK)
    closed = cases.submit(app, db_session, MIHON)
    cases.fire(app, db_session, closed, reviewer, "start_review")
    cases.fire(app, db_session, closed, reviewer, "reject", "要件を満たしません")
    fine = cases.submit(app, db_session, MIHON)
    # As the release before the queue wrote them during the rollout: never closed, no search key.
    closed.closed, closed.search_key = False, ""
    db_session.flush()

    result = app.test_cli_runner().invoke(args=["queue", "reindex"])

    assert result.exit_code == 0 and result.output == "cases corrected: 1\n"
    db_session.refresh(closed)
    assert closed.closed and closed.search_key == f"{closed.reference}|山田太郎|ヤマダタロウ"
    assert fine.search_key == f"{fine.reference}|山田太郎|ヤマダタロウ" and not fine.closed
    assert app.test_cli_runner().invoke(args=["queue", "reindex"]).output == "cases corrected: 0\n"


def test_overdue_lists_open_running_cases_past_their_due_date_longest_overdue_first(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    reviewer = cases.staff(db_session, MIHON, "審査 花子", Role.CLERK)
    today = jst.today()
    on_time, long_overdue, overdue, paused, finished, due_today = (
        cases.submit(app, db_session, MIHON) for _ in range(6)
    )
    for case, due in ((on_time, 3), (long_overdue, -10), (overdue, -1), (paused, -5), (finished, -20), (due_today, 0)):
        case.due_on = today + timedelta(days=due)
    paused.clock_paused_on = today - timedelta(days=6)  # waiting for the applicant: its clock stands still
    cases.fire(app, db_session, finished, reviewer, "start_review")
    cases.fire(app, db_session, finished, reviewer, "reject", "要件を満たしません")
    db_session.flush()

    page = clerk.get("/backoffice/", query_string={"view": "overdue"}).text
    assert references(page) == [long_overdue.reference, overdue.reference]
    assert "期限超過：期限日の古い順" in page and page.count('class="is-overdue-row"') == 2
    everything = clerk.get("/backoffice/", query_string={"view": "all"}).text
    assert "本日が期限" in everything and "停止中" in everything and everything.count("is-overdue-row") == 2

    service = QueueService(db_session, cases.procedures(app), reviewer)
    view = QueueFilter(view=View.OVERDUE)
    first = service.page(view, size=1)
    assert [s.id for s in first.submissions] == [long_overdue.id] and first.next.token.startswith("d")
    assert [s.id for s in service.page(view, after=first.next, size=1).submissions] == [overdue.id]
    assert clerk.get("/backoffice/", query_string={"view": "overdue", "after": first.next.token}).status_code == 200
    # A cursor of another view's order is refused, as is a day beyond the calendar.
    assert clerk.get("/backoffice/", query_string={"view": "all", "after": first.next.token}).status_code == 400
    assert clerk.get("/backoffice/", query_string={"view": "overdue", "after": "123-4"}).status_code == 400
    assert clerk.get("/backoffice/", query_string={"view": "overdue", "after": "d99999999-4"}).status_code == 400
