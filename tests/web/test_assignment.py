"""担当 on the case page and from the queue, and internal notes that only staff ever read."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from portal.models import AssignmentAction, AssignmentRecord, InternalNote, Staff
from portal.roles import Role
from tests.web import queuecases as cases
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, csrf_token, fire, flashed, hidden_inputs, post_form

MIHON = "999997"
CHANGED = "この申請の担当は、他の職員が変更しました。画面を更新して確認してください。"


def _staff(db_session, sub: str) -> Staff:
    return db_session.scalars(select(Staff).filter_by(subject=sub)).one()


def _assignee(db_session, submission) -> int | None:
    """The 担当 as the app's requests left it (they ran in sessions of their own)."""
    db_session.refresh(submission)
    return submission.assignee_id


def _records(db_session, submission) -> list[tuple]:
    rows = db_session.scalars(
        select(AssignmentRecord).filter_by(submission_id=submission.id).order_by(AssignmentRecord.id)
    )
    return [(r.action, r.from_name, r.to_name, r.actor_name) for r in rows]


def test_claim_assign_and_release_from_the_case_page_each_leave_a_history_entry(app, make_client, db_session):
    clerk, colleague = make_client("staff", "staff-mihon-clerk"), make_client("staff", "staff-mihon-admin")
    me, other = _staff(db_session, "staff-mihon-clerk"), _staff(db_session, "staff-mihon-admin")
    case = cases.submit(app, db_session, MIHON)
    page = f"/backoffice/submissions/{case.reference}"
    shown = clerk.get(page).text
    assert "担当者：<strong>未割当</strong>" in shown and "この申請を担当する" in shown

    claimed = post_form(clerk, f"{page}/assignment/claim", {}, token_from=page)
    assert claimed.status_code == 303 and "この申請の担当になりました。" in flashed(clerk, claimed)
    assert _assignee(db_session, case) == me.id
    again = post_form(clerk, f"{page}/assignment/claim", {}, token_from=page)  # a double click: nothing more
    assert again.status_code == 303 and _assignee(db_session, case) == me.id

    given = post_form(clerk, f"{page}/assignment", {"to": other.id, "seen": me.id}, token_from=page)
    assert "担当を管理 四郎さんにしました。" in flashed(clerk, given) and _assignee(db_session, case) == other.id
    released = post_form(colleague, f"{page}/assignment/release", {"seen": other.id}, token_from=page)
    assert "担当を外しました。" in flashed(colleague, released) and _assignee(db_session, case) is None

    assert _records(db_session, case) == [
        (AssignmentAction.CLAIM, None, "窓口 一郎", "窓口 一郎"),
        (AssignmentAction.ASSIGN, "窓口 一郎", "管理 四郎", "窓口 一郎"),
        (AssignmentAction.RELEASE, "管理 四郎", None, "管理 四郎"),
    ]
    history = html.unescape(clerk.get(page).text)
    assert (
        "担当の履歴（3件）" in history
        and "窓口 一郎さんが管理 四郎さんの担当にしました（前の担当：窓口 一郎さん）" in history
    )


def test_a_change_someone_made_meanwhile_is_refused_and_nothing_changes(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    make_client("staff", "staff-mihon-admin")
    me, other = _staff(db_session, "staff-mihon-clerk"), _staff(db_session, "staff-mihon-admin")
    case = cases.submit(app, db_session, MIHON)
    page = f"/backoffice/submissions/{case.reference}"
    token = csrf_token(clerk, page)  # the page as it was before the colleague claimed the case
    case.assignee_id = other.id
    db_session.flush()

    claimed = clerk.post(f"{page}/assignment/claim", data={"csrf_token": token})
    assert "この申請は既に管理 四郎さんが担当しています。" in flashed(clerk, claimed)
    assigned = clerk.post(f"{page}/assignment", data={"csrf_token": token, "to": me.id, "seen": ""})
    assert CHANGED in flashed(clerk, assigned)
    released = clerk.post(f"{page}/assignment/release", data={"csrf_token": token, "seen": me.id})
    assert CHANGED in flashed(clerk, released)
    assert case.assignee_id == other.id and _records(db_session, case) == []


def test_only_clerks_of_the_same_municipality_take_cases(app, make_client, db_session):
    clerk, approver = make_client("staff", "staff-mihon-clerk"), make_client("staff", "staff-mihon-approver")
    make_client("staff", "staff-shiken-clerk")
    approver_id = _staff(db_session, "staff-mihon-approver").id
    elsewhere = _staff(db_session, "staff-shiken-clerk").id
    case = cases.submit(app, db_session, MIHON)
    page = f"/backoffice/submissions/{case.reference}"
    assert "この申請を担当する" not in approver.get(page).text
    refused = post_form(approver, f"{page}/assignment/claim", {}, token_from=page)
    assert "担当者（窓口）の役割がある職員だけが申請を担当できます。" in flashed(approver, refused)
    for to in (approver_id, elsewhere, 999999, "abc", ""):
        answer = post_form(clerk, f"{page}/assignment", {"to": to, "seen": ""}, token_from=page)
        assert "選んだ職員には割り当てられません。" in flashed(clerk, answer), to
    assert _assignee(db_session, case) is None and _records(db_session, case) == []
    colleagues = clerk.get(page).text
    assert "窓口 一郎</option>" in colleagues and "決裁 次郎</option>" not in colleagues
    assert "試験 五郎" not in colleagues


def test_a_finished_case_keeps_its_assignee(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    reviewer = cases.staff(db_session, MIHON, "審査 花子", Role.CLERK)
    case = cases.submit(app, db_session, MIHON)
    page = f"/backoffice/submissions/{case.reference}"
    token = csrf_token(clerk, page)
    cases.fire(app, db_session, case, reviewer, "start_review")
    cases.fire(app, db_session, case, reviewer, "reject", "要件を満たしません")
    refused = clerk.post(f"{page}/assignment/claim", data={"csrf_token": token})
    assert "完了した申請の担当は変更できません。" in flashed(clerk, refused)
    assert _assignee(db_session, case) is None
    assert "この申請を担当する" not in clerk.get(page).text


def test_assignment_needs_the_csrf_token(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    case = cases.submit(app, db_session, MIHON)
    assert clerk.post(f"/backoffice/submissions/{case.reference}/assignment/claim").status_code == 400
    assert clerk.post("/backoffice/assignments", data={"reference": case.reference}).status_code == 400
    assert _assignee(db_session, case) is None


def test_another_municipalitys_case_is_not_found(app, make_client, db_session):
    clerk = make_client("staff", "staff-shiken-clerk")
    case = cases.submit(app, db_session, MIHON)
    page = f"/backoffice/submissions/{case.reference}"
    token = csrf_token(clerk, "/backoffice/")
    for path in ("assignment/claim", "assignment/release", "assignment", "notes"):
        assert clerk.post(f"{page}/{path}", data={"csrf_token": token, "body": "x", "token": "t"}).status_code == 404
    assert _assignee(db_session, case) is None


def test_bulk_assignment_from_the_queue_reports_each_case_it_could_not_assign(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    make_client("staff", "staff-mihon-admin")
    other = _staff(db_session, "staff-mihon-admin")
    free, taken, also_free = (cases.submit(app, db_session, MIHON) for _ in range(3))
    form = hidden_inputs(clerk, "/backoffice/?view=unassigned")  # seen-<ref> as the queue shows them: nobody
    assert form["seen-" + taken.reference] == "" and form["back"] == "/backoffice/?view=unassigned"
    taken.assignee_id = _staff(db_session, "staff-mihon-clerk").id  # claimed after the queue was shown
    db_session.flush()

    picked = [free.reference, taken.reference, also_free.reference, "2026-999999"]
    answer = clerk.post("/backoffice/assignments", data={**form, "reference": picked, "to": other.id})
    assert answer.status_code == 303 and answer.headers["Location"] == "/backoffice/?view=unassigned"
    shown = flashed(clerk, answer)
    assert "2件を管理 四郎さんの担当にしました。" in shown
    assert f"{taken.reference}：{CHANGED}" in shown and "2026-999999：この申請は見つかりません。" in shown
    assert (_assignee(db_session, free), _assignee(db_session, also_free)) == (other.id, other.id)
    assert _assignee(db_session, taken) == _staff(db_session, "staff-mihon-clerk").id

    nothing = clerk.post("/backoffice/assignments", data={**form, "to": other.id})
    assert "割り当てる申請を選んでください。" in flashed(clerk, nothing)
    nobody = clerk.post("/backoffice/assignments", data={**form, "reference": [free.reference], "to": "x"})
    assert "割り当てる職員を選んでください。" in flashed(clerk, nobody)
    many = clerk.post(
        "/backoffice/assignments", data={**form, "reference": [f"2026-{i:06d}" for i in range(101)], "to": other.id}
    )
    assert "一度に割り当てられるのは100件までです。" in flashed(clerk, many)
    away = clerk.post("/backoffice/assignments", data={**form, "reference": [], "back": "https://evil.example/"})
    assert away.headers["Location"] == "/backoffice/"


def test_internal_notes_are_kept_once_and_marked_when_refused(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    case = cases.submit(app, db_session, MIHON)
    page = f"/backoffice/submissions/{case.reference}"
    form = hidden_inputs(clerk, page)
    data = {"csrf_token": form["csrf_token"], "token": form["token"], "body": "  申請者から電話あり。\n明日再連絡。 "}
    first = clerk.post(f"{page}/notes", data=data)
    second = clerk.post(f"{page}/notes", data=data)  # the same form sent twice
    assert first.status_code == second.status_code == 303
    notes = db_session.scalars(select(InternalNote).filter_by(submission_id=case.id)).all()
    assert [(n.body, n.author_name) for n in notes] == [("申請者から電話あり。\n明日再連絡。", "窓口 一郎")]
    assert "申請者から電話あり。" in flashed(clerk, first)

    for body, message in (
        ("   ", "メモを入力してください。"),
        ("あ" * 2001, "メモは2000文字以内で入力してください。"),
        ("見\u202eえない", "メモに文字の表示順を変える制御文字（U+202E）が含まれています。"),
    ):
        fresh = hidden_inputs(clerk, page)
        refused = clerk.post(
            f"{page}/notes", data={"csrf_token": fresh["csrf_token"], "token": fresh["token"], "body": body}
        )
        shown = html.unescape(refused.text)
        assert refused.status_code == 200 and message in shown, body
        assert 'id="note-body-error"' in shown and 'aria-invalid="true"' in shown
        assert body.strip()[:50] in shown  # what was typed is still in the box
    assert db_session.scalar(select(func.count()).select_from(InternalNote)) == 1


def test_residents_never_see_internal_notes_or_who_handles_their_case(client, make_client, db_session):
    login(client, "resident", "resident-yamada")
    reference = apply(client, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    page = f"/backoffice/submissions/{reference}"
    post_form(clerk, f"{page}/assignment/claim", {}, token_from=page)
    secret = "本人確認に疑義あり、要確認"
    form = hidden_inputs(clerk, page)
    clerk.post(f"{page}/notes", data={"csrf_token": form["csrf_token"], "token": form["token"], "body": secret})
    assert secret in html.unescape(clerk.get(page).text)

    for path in (
        f"/{MIHON}/applications",
        f"/{MIHON}/applications/{reference}",
        f"/{MIHON}/applications/{reference}/receipt",
        "/api/postal/1000001",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        text = html.unescape(response.get_data(as_text=True))
        assert "本人確認に疑義" not in text and "内部メモ" not in text and "窓口 一郎" not in text, path


def test_the_resubmission_and_reply_go_to_the_case_s_assignee_by_email(client, make_client, mailbox, db_session):
    login(client, "resident", "resident-yamada")
    reference = apply(client, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    make_client("staff", "staff-mihon-admin")  # 管理 四郎, a clerk too, with the address admin@mihon.example.jp
    admin = _staff(db_session, "staff-mihon-admin")
    page = f"/backoffice/submissions/{reference}"
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "return_to_applicant", "電話番号をご確認ください。")
    post_form(clerk, f"{page}/assignment", {"to": admin.id, "seen": ""}, token_from=page)
    mailbox.clear()

    assert post_form(client, f"/{MIHON}/applications/{reference}/correct", JUMINHYO_ANSWERS).status_code == 302

    # Not the clerk who returned it: the case's 担当.
    assert [mail.subject for mail in mailbox.to("admin@mihon.example.jp")] == [
        f"【窓口】差し戻した申請が再提出されました（受付番号 {reference}）"
    ]
    assert mailbox.to("clerk@mihon.example.jp") == []
