"""統計 for administrators: the figures of seeded cases in 2025年度 fixed by hand (開庁日 around ゴールデンウィーク,
percentiles, backlog, rates), the page's charts beside their tables, the CSV, and who may read them."""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditAction, AuditActorKind, AuditEntry, Channel, Municipality
from portal.roles import Role
from portal.services.statistics import fiscal_year, gather, percentile
from portal.services.submissions import SubmissionService
from tests.web import queuecases as cases
from tests.web.dom import parse
from tests.web.seeding import MIHON, Clock, decide_case, submit_case

SHIKEN = "999989"


@pytest.fixture
def seeded(app: Flask, db_session: Session, demo: dict[str, Municipality], clock: Clock) -> Iterator[None]:
    """2025年度's juminhyo cases of 見本市 (4/29 昭和の日, 5/3〜5/6 憲法記念日・みどりの日・こどもの日・振替休日):

    A online, 4/25 (Fri) → 交付 5/7: 5 開庁日 (4/28, 4/30, 5/1, 5/2, 5/7), past its 期限日 5/1.
    B online, 5/1 → 交付 5/2: 1, in time.
    C counter, 5/1 → 差戻し 5/2, corrected 5/8 → 却下 5/9: 4, in time (期限日 5/8 moved on by the 2 days waited).
    D counter, 5/12 → 取下げ 5/13: withdrawn, not a decision.
    E online, 5/20 → still in review: the backlog of every month's end from May.
    F online, 5/30 (Fri) → 交付 6/2 (Mon): 1.
    And one case of 試験町, which 見本市's figures never count.
    """
    a = submit_case(app, db_session, clock, date(2025, 4, 25), Channel.ONLINE)
    b = submit_case(app, db_session, clock, date(2025, 5, 1), Channel.ONLINE)
    c = submit_case(app, db_session, clock, date(2025, 5, 1), Channel.COUNTER)
    decide_case(app, db_session, clock, b, date(2025, 5, 2), issue=True)
    clock(date(2025, 5, 2), 16)
    clerk = cases.staff(db_session, MIHON, "審査 担当", Role.CLERK)
    cases.fire(app, db_session, c, clerk, "start_review")
    cases.fire(app, db_session, c, clerk, "return_to_applicant", "通数を確認してください。")
    decide_case(app, db_session, clock, a, date(2025, 5, 7), issue=True)
    clock(date(2025, 5, 8), 11)
    SubmissionService(db_session, cases.procedures(app), clerk).resubmit(c, c.answers)
    decide_case(app, db_session, clock, c, date(2025, 5, 9), issue=False)
    d = submit_case(app, db_session, clock, date(2025, 5, 12), Channel.COUNTER)
    clock(date(2025, 5, 13), 9)
    cases.fire(app, db_session, d, clerk, "withdraw")
    e = submit_case(app, db_session, clock, date(2025, 5, 20), Channel.ONLINE)
    cases.fire(app, db_session, e, clerk, "start_review")
    f = submit_case(app, db_session, clock, date(2025, 5, 30), Channel.ONLINE)
    decide_case(app, db_session, clock, f, date(2025, 6, 2), issue=True)
    submit_case(app, db_session, clock, date(2025, 5, 1), Channel.ONLINE, SHIKEN)
    yield


def test_the_figures_of_seeded_cases(app: Flask, db_session: Session, seeded: None) -> None:
    figures = gather(db_session, cases.procedures(app), MIHON, fiscal_year(2025)).figures
    assert list(figures) == ["juminhyo"]
    april, may, june = (figures["juminhyo"][date(2025, month, 1)] for month in (4, 5, 6))

    assert dict(april.applications) == {Channel.ONLINE: 1}
    assert (april.decided, april.backlog, april.withdrawn) == (0, 1, 0)
    assert (april.median_days, april.p90_days, april.rate(april.rejected)) == (None, None, None)

    assert dict(may.applications) == {Channel.ONLINE: 3, Channel.COUNTER: 2}
    assert may.days == [1, 4, 5]  # B, C, A
    assert (may.median_days, may.p90_days) == (4.0, pytest.approx(4.8))  # 4 + 0.8 × (5 − 4)
    assert (may.decided, may.in_time, may.rejected, may.returned, may.withdrawn) == (3, 2, 1, 1, 1)
    assert may.rate(may.rejected) == pytest.approx(1 / 3) and may.rate(may.returned) == pytest.approx(1 / 3)
    assert may.backlog == 2  # E, and F (submitted 5/30, issued 6/2)

    assert (june.submitted, june.days, june.median_days, june.p90_days, june.backlog) == (0, [1], 1.0, 1.0, 1)
    assert [figures["juminhyo"][date(y, m, 1)].backlog for y, m in ((2025, 12), (2026, 3))] == [1, 1]  # E, still


def test_percentiles_interpolate_between_closest_ranks() -> None:
    assert percentile([], 50) is None
    assert percentile([7], 90) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == pytest.approx(9.1)  # PostgreSQL's percentile_cont


def _image(img) -> str:  # type: ignore[no-untyped-def]
    src = img["src"]
    assert src.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(src.removeprefix("data:image/svg+xml;base64,")).decode()


def test_the_page_shows_each_chart_beside_its_table_and_the_csv_has_the_same_numbers(
    make_client, seeded: None, db_session: Session
) -> None:
    admin = make_client("staff", "staff-mihon-admin")
    page = admin.get(f"/backoffice/admin/municipalities/{MIHON}/statistics?year=2025")
    assert page.status_code == 200
    dom = parse(page.text)
    sections = {section.one("h2").text(): section for section in dom.find_all("section", class_="statistics")}
    assert len(sections) == 5  # every procedure 見本市 offers, with figures or not
    section = sections["住民票の写しの交付請求"]
    pairs = section.find_all(class_="statistics__pair")
    assert len(pairs) == 3
    for pair in pairs:  # an image with its alt and an SVG titled and described, beside a table with a caption
        img = pair.one("img")
        svg = _image(img)
        title = re.search(r"<title>([^<]+)</title><desc>([^<]+)</desc>", svg)
        assert title and img["alt"] == f"{title.group(1)}: {title.group(2)}"
        assert "<script" not in svg or "window.pygal" in svg  # pygal's config only: an image runs no script
        assert pair.one("table").one("caption").text() == title.group(1).replace(
            "：処理日数（開庁日）", "：処理日数（開庁日）と処理の内訳"
        )
    applications = [[cell.text() for cell in row.find_all("td")] for row in pairs[0].one("tbody").find_all("tr")]
    assert applications[:3] == [["1", "0", "1"], ["3", "2", "5"], ["0", "0", "0"]]
    may = [cell.text() for cell in pairs[1].one("tbody").find_all("tr")[1].find_all("td")]
    assert may == ["3", "4", "4.8", "2", "33.3%", "33.3%", "1"]
    assert "令和7年5月" in pairs[1].one("tbody").text()

    export = admin.get(f"/backoffice/admin/municipalities/{MIHON}/statistics.csv?year=2025")
    assert export.status_code == 200 and export.data.startswith(b"\xef\xbb\xbf")
    assert export.headers["Content-Disposition"] == f'attachment; filename="statistics-{MIHON}-2025.csv"'
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert len(rows) == 12 * len({row["手続き"] for row in rows})
    [recorded] = db_session.scalars(select(AuditEntry).filter_by(action=AuditAction.STATISTICS_EXPORTED)).all()
    assert (recorded.target, recorded.after, recorded.municipality_code) == (
        f"statistics:{MIHON}",
        {"year": 2025},
        MIHON,
    )
    assert recorded.actor_kind is AuditActorKind.STAFF and recorded.actor_id is not None
    may_row = next(row for row in rows if row["年月"] == "2025-05" and row["手続き"] == "住民票の写しの交付請求")
    assert may_row == {
        "年度": "2025",
        "年月": "2025-05",
        "手続き": "住民票の写しの交付請求",
        "申請件数（オンライン）": "3",
        "申請件数（窓口）": "2",
        "申請件数（計）": "5",
        "処理件数": "3",
        "処理日数の中央値（開庁日）": "4.0",
        "処理日数の90パーセンタイル（開庁日）": "4.8",
        "標準処理期間（開庁日）": "3",
        "期限内の処理件数": "2",
        "差戻しのあった処理件数": "1",
        "差戻し率": "0.3333",
        "却下件数": "1",
        "却下率": "0.3333",
        "取下げ件数": "1",
        "月末の未処理件数": "2",
    }


def test_a_year_without_figures_is_refused_with_the_years_there_are(make_client, seeded: None) -> None:
    admin = make_client("staff", "staff-mihon-admin")
    page = admin.get(f"/backoffice/admin/municipalities/{MIHON}/statistics?year=1999")
    assert page.status_code == 200
    notice = parse(page.text).one(class_="notice notice--error").text()
    assert "その年度の統計はありません" in notice and "令和7年度（2025年度）" in notice
    assert admin.get(f"/backoffice/admin/municipalities/{MIHON}/statistics.csv?year=x").status_code == 400


def test_only_administrators_read_their_own_municipalitys_statistics(make_client, seeded: None) -> None:
    path = f"/backoffice/admin/municipalities/{MIHON}/statistics"
    assert make_client("staff", "staff-mihon-clerk").get(path).status_code == 403
    assert make_client("staff", "staff-shiken-admin").get(path).status_code == 404
    assert make_client("staff", "staff-shiken-admin").get(path + ".csv").status_code == 404
    assert make_client("staff", "staff-platform-operator").get(path + "?year=2025").status_code == 200
