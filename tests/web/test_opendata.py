"""Open data: 見本市's applications per month, procedure and channel as JSON and CSV, with every count under 5 shown as
「5未満」, the medians of fewer than 5 decisions withheld, no totals, the licence (CC BY 4.0 unless configured), the
columns documented, and public caching whoever asks."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.config import CC_BY
from portal.models import Channel, Municipality
from portal.services import opendata
from tests.web.seeding import MIHON, Clock, decide_case, submit_case

SUPPRESSED = "5未満"


@pytest.fixture
def seeded(app: Flask, db_session: Session, demo: dict[str, Municipality], clock: Clock) -> None:
    """9月: one online application. 10月 (10/12 スポーツの日): six online on 10/1, five of them issued on 10/2, 10/5,
    10/6, 10/7 and 10/8 (1 to 5 開庁日), and two at the counter, one rejected on 10/2. 11月 (this month): one more."""
    submit_case(app, db_session, clock, date(2026, 9, 15), Channel.ONLINE)
    online = [submit_case(app, db_session, clock, date(2026, 10, 1), Channel.ONLINE) for _ in range(6)]
    for case, day in zip(online, (2, 5, 6, 7, 8), strict=False):
        decide_case(app, db_session, clock, case, date(2026, 10, day), issue=True)
    at_counter = [submit_case(app, db_session, clock, date(2026, 10, 1), Channel.COUNTER) for _ in range(2)]
    decide_case(app, db_session, clock, at_counter[0], date(2026, 10, 2), issue=False)
    submit_case(app, db_session, clock, date(2026, 11, 5), Channel.ONLINE)
    clock(date(2026, 11, 20), 12)  # today: October is the last complete month


def _records(document: dict) -> list[tuple]:
    keys = ("month", "channel", "applications", "decided", "median_processing_days")
    return [tuple(record[key] for key in keys) for record in document["records"]]


def test_the_json_suppresses_small_counts_and_their_medians_and_publishes_no_total(client, seeded: None) -> None:
    response = client.get(f"/opendata/{MIHON}/applications.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = json.loads(response.data)
    assert _records(document) == [
        ("2026-09", "online", SUPPRESSED, SUPPRESSED, None),
        ("2026-09", "counter", SUPPRESSED, SUPPRESSED, None),  # none at all: under 5 too
        ("2026-10", "online", 6, 5, 3.0),  # 1, 2, 3, 4, 5 開庁日 (10/12 not reached)
        ("2026-10", "counter", SUPPRESSED, SUPPRESSED, None),  # the median of one decision is that decision: withheld
    ]
    first = document["records"][0]
    assert {key: first[key] for key in ("municipality_code", "prefecture", "municipality_name")} == {
        "municipality_code": MIHON,
        "prefecture": "見本県",
        "municipality_name": "見本市",
    }
    assert (first["procedure"], first["procedure_name"], first["channel_name"]) == (
        "juminhyo",
        "住民票の写しの交付請求",
        "オンライン",
    )
    # No total of any kind, which with one published cell would give a suppressed one away.
    assert [field["name"] for field in document["fields"]] == [c.name for c in opendata.COLUMNS]
    assert all(set(record) == {c.name for c in opendata.COLUMNS} for record in document["records"])
    assert "total" not in json.dumps(document)
    assert document["period"] == {"from": "2026-09", "to": "2026-10"}  # this month is not complete: not published
    assert document["license"] == {"name": CC_BY[0], "url": CC_BY[1]}
    assert document["suppression"]["threshold"] == 5 and document["suppression"]["marker"] == SUPPRESSED
    assert document["documentation"] == f"http://localhost/opendata/{MIHON}/"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Link"] == f'<{CC_BY[1]}>; rel="license"'


def test_the_csv_has_the_documented_columns_and_the_same_cells(client, seeded: None) -> None:
    response = client.get(f"/opendata/{MIHON}/applications.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf") and response.headers["Cache-Control"] == "public, max-age=3600"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [c.title for c in opendata.COLUMNS]
    assert [(row[0], row[6], row[8], row[9], row[10]) for row in rows[1:]] == [
        ("2026-09", "online", SUPPRESSED, SUPPRESSED, ""),
        ("2026-09", "counter", SUPPRESSED, SUPPRESSED, ""),
        ("2026-10", "online", "6", "5", "3.0"),
        ("2026-10", "counter", SUPPRESSED, SUPPRESSED, ""),
    ]


def test_the_page_documents_every_column_the_suppression_and_the_licence(client, seeded: None) -> None:
    page = client.get(f"/opendata/{MIHON}/")
    assert page.status_code == 200
    for column in opendata.COLUMNS:
        assert f"<code>{column.name}</code>" in page.text and column.title in page.text
    assert "「5未満」" in page.text and "合計（受付経路の合計を含む）は公表しません" in page.text
    assert f'<a href="{CC_BY[1]}" rel="license">CC BY 4.0</a>' in page.text
    assert "出典：見本県見本市「申請件数（月別・手続き別・受付経路別）」" in page.text


def test_the_licence_is_configurable(build_app, demo: dict[str, Municipality]) -> None:
    app = build_app(OPENDATA_LICENSE="公共データ利用規約（第1.0版）", OPENDATA_LICENSE_URL="https://example.jp/terms")
    response = app.test_client().get(f"/opendata/{MIHON}/applications.json")
    assert json.loads(response.data)["license"] == {
        "name": "公共データ利用規約（第1.0版）",
        "url": "https://example.jp/terms",
    }
    assert response.headers["Link"] == '<https://example.jp/terms>; rel="license"'


def test_a_municipality_without_applications_publishes_no_month(client, demo: dict[str, Municipality]) -> None:
    document = json.loads(client.get("/opendata/999989/applications.json").data)
    assert (document["period"], document["records"]) == (None, [])


def test_unknown_municipalities_are_not_found(client) -> None:  # type: ignore[no-untyped-def]
    for code in ("999996", "123456", "12345", "999997x"):  # a wrong check digit, nobody's, malformed
        assert client.get(f"/opendata/{code}/applications.json").status_code == 404


def test_the_data_stays_public_and_cookie_free_for_someone_logged_in(make_client, seeded: None) -> None:
    staff = make_client("staff", "staff-mihon-clerk")
    for path in ("applications.json", "applications.csv"):
        response = staff.get(f"/opendata/{MIHON}/{path}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=3600", path
        assert "Set-Cookie" not in response.headers and "窓口 一郎" not in response.text
    page = staff.get(f"/opendata/{MIHON}/")  # its frame names who is logged in: never kept by a cache
    assert "窓口 一郎" in page.text and page.headers["Cache-Control"] == "no-store"
