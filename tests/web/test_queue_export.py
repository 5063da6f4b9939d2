"""The filtered queue as CSV for Excel (UTF-8 with a BOM), each export recorded in the audit log."""

from __future__ import annotations

import csv
import html
import io

import pytest
from sqlalchemy import select

from portal.japan import jst
from portal.models import AuditAction, AuditEntry, Staff
from portal.web.backoffice import queue as queue_views
from tests.web import queuecases as cases
from tests.web.journeys import csrf_token, flashed

MIHON = "999997"
HEADER = ["受付番号", "手続き", "受付経路", "申請者", "状況", "担当", "申請日", "期限日"]


def _export(browser, **filters: str):  # type: ignore[no-untyped-def]
    return browser.post("/backoffice/queue.csv", data={"csrf_token": csrf_token(browser, "/backoffice/"), **filters})


def _entries(db_session) -> list[AuditEntry]:
    return list(db_session.scalars(select(AuditEntry).filter_by(action=AuditAction.QUEUE_EXPORTED)))


def test_the_csv_has_a_bom_the_queues_columns_and_exactly_the_filtered_cases(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    me = db_session.scalars(select(Staff).filter_by(subject="staff-mihon-clerk")).one()
    first = cases.submit(app, db_session, MIHON)
    tricky = cases.submit(app, db_session, MIHON, by=cases.resident(db_session, family="=1+1", given="@SUM"))
    gomi = cases.submit(app, db_session, MIHON, "sodai_gomi")
    first.assignee_id = me.id
    db_session.flush()

    response = _export(clerk, view="all", procedure="juminhyo")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="queue-999997-')
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    day = first.submitted_at.astimezone(jst.JST).date().isoformat()
    assert rows == [
        HEADER,
        [
            first.reference,
            "住民票の写しの交付請求",
            "オンライン",
            "山田 太郎",
            "受付済み",
            "窓口 一郎",
            day,
            first.due_on.isoformat(),
        ],
        [
            tricky.reference,
            "住民票の写しの交付請求",
            "オンライン",
            "'=1+1 @SUM",
            "受付済み",
            "",
            day,
            tricky.due_on.isoformat(),
        ],
    ]
    assert b"\r\n" in body and gomi.reference.encode() not in body  # and no cell Excel would run as a formula


def test_each_export_is_in_the_audit_log_with_the_cases_it_held_but_not_what_was_searched(app, make_client, db_session):
    clerk = make_client("staff", "staff-mihon-clerk")
    yamada = cases.submit(app, db_session, MIHON)
    sato = {"family_name": "佐藤", "given_name": "花子", "family_name_kana": "サトウ", "given_name_kana": "ハナコ"}
    cases.submit(app, db_session, MIHON, names=sato)

    token = cases.search_token(clerk, "やまだ")
    assert _export(clerk, view="all", search=token, **{"from": "2026-01-01"}).status_code == 200

    (entry,) = _entries(db_session)
    assert (entry.actor_name, entry.municipality_code, entry.target) == ("窓口 一郎", MIHON, "queue:999997")
    assert entry.before is None
    assert entry.after == {
        "view": "all",
        "filters": {"searched": True, "from": "2026-01-01"},
        "count": 1,
        "references": [yamada.reference],
    }
    assert "ヤマダ" not in str(entry.after) and "やまだ" not in str(entry.after)

    admin = make_client("staff", "staff-mihon-admin")
    page = html.unescape(admin.get(f"/backoffice/admin/municipalities/{MIHON}/audit").text)
    assert "受付一覧のCSV書き出し" in page and "受付一覧" in page
    assert "申請日（から）：2026-01-01、検索語あり" in page and "1件" in page and yamada.reference in page


def test_an_export_that_would_hold_too_many_cases_or_bad_filters_is_refused_and_not_recorded(
    app, make_client, db_session, monkeypatch: pytest.MonkeyPatch
):
    clerk = make_client("staff", "staff-mihon-clerk")
    cases.submit(app, db_session, MIHON)
    cases.submit(app, db_session, MIHON)
    monkeypatch.setattr(queue_views, "EXPORT_LIMIT", 1)

    too_many = _export(clerk, view="all")
    assert too_many.status_code == 303 and too_many.headers["Location"] == "/backoffice/?view=all"
    assert "1件を超えるため書き出せません。条件で絞り込んでください。" in flashed(clerk, too_many)
    bad = _export(clerk, view="all", to="昨日")
    assert "絞り込みの条件を修正してから書き出してください。" in flashed(clerk, bad)
    no_token = clerk.post("/backoffice/queue.csv", data={"view": "all"})
    assert no_token.status_code == 400
    assert _entries(db_session) == []


def test_an_export_in_a_long_queue_reads_the_cases_in_chunks(
    app, make_client, db_session, monkeypatch: pytest.MonkeyPatch
):
    clerk = make_client("staff", "staff-mihon-clerk")
    made = [cases.submit(app, db_session, MIHON).reference for _ in range(7)]
    monkeypatch.setattr(queue_views, "EXPORT_CHUNK", 3)
    rows = list(csv.reader(io.StringIO(_export(clerk, view="action").get_data().decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == made
    assert _entries(db_session)[0].after["count"] == 7
