"""``flask municipality add|enable|disable``: what operators can set, what they are refused, what residents see."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.japan import jst, wareki
from portal.models import Municipality, MunicipalityProcedure, Submission
from portal.seals import MAX_BYTES
from portal.services import deadlines
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, db_state

NEW_CODE = "999962"  # a valid 地方公共団体コード in the fictional prefecture 99
SEALS = Path(__file__).resolve().parents[2] / "static" / "seals"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{}</svg>'
CIRCLE = '<circle cx="50" cy="50" r="45" fill="none" stroke="#c8161d"/>'


@pytest.fixture
def seal_files(tmp_path: Path) -> Iterator[Path]:
    """A directory for the operator's files; any seal a test added to static/seals/ is removed afterwards."""
    yield tmp_path
    for extension in ("svg", "png"):
        (SEALS / f"{NEW_CODE}.{extension}").unlink(missing_ok=True)


def _file(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 22, 29, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def _invoke(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["municipality", *args])


def _add(app: Flask, seal: Path, code: str = NEW_CODE):  # type: ignore[no-untyped-def]
    names = ["--name", "新見本市", "--prefecture", "見本県", "--mayor-title", "新見本市長", "--mayor-name", "新見 一郎"]
    return _invoke(app, "add", code, *names, "--seal", str(seal))


def _offer(db_session: Session, code: str, slug: str) -> MunicipalityProcedure | None:
    db_session.expire_all()
    return db_session.scalar(select(MunicipalityProcedure).filter_by(municipality_code=code, slug=slug))


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_add_copies_the_checked_seal_and_creates_the_municipality(app, db_session, seal_files, kind):
    seal = _file(seal_files, f"seal.{kind}", SVG.format(CIRCLE) if kind == "svg" else _png(120, 120))
    result = _add(app, seal)
    assert result.exit_code == 0, result.output
    added = db_session.get(Municipality, NEW_CODE)
    assert added is not None and added.name == "新見本市" and added.seal == f"{NEW_CODE}.{kind}"
    assert (SEALS / added.seal).read_bytes() == seal.read_bytes()


@pytest.mark.parametrize(
    ("code", "content", "name", "expected"),
    [
        ("999963", SVG.format(CIRCLE), "seal.svg", "CODE: 「999963」は地方公共団体コードではありません"),
        (
            NEW_CODE,
            SVG.format(CIRCLE + "<script>alert(1)</script>"),
            "seal.svg",
            "--seal: seal.svg：公印の SVG に <script> は使えません。",
        ),
        (NEW_CODE, SVG.format('<circle r="4" onload="alert(1)"/>'), "seal.svg", "イベント処理（<circle> の onload）"),
        (
            NEW_CODE,
            SVG.format('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml"/></foreignObject>'),
            "s.svg",
            "<foreignObject> は使えません",
        ),  # fmt: skip
        (
            NEW_CODE,
            SVG.format('<image href="https://example.com/x.png"/>'),
            "seal.svg",
            "外のもの（https://example.com/x.png）",
        ),
        (
            NEW_CODE,
            SVG.format('<use xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="file:///etc/passwd"/>'),
            "seal.svg",
            "外のもの（file:///etc/passwd）",
        ),  # fmt: skip
        (
            NEW_CODE,
            SVG.format('<rect fill="url(https://example.com/p)"/>'),
            "seal.svg",
            "外のもの（url(https://example.com/p)）",
        ),
        (
            NEW_CODE,
            SVG.format("<style>@import url(https://example.com/a.css);</style>"),
            "seal.svg",
            "<style> からファイルの外のものは読み込めません",
        ),
        (
            NEW_CODE,
            '<!DOCTYPE svg [<!ENTITY x "y">]>' + SVG.format(CIRCLE),
            "seal.svg",
            "DOCTYPE や実体（ENTITY）の宣言は使えません",
        ),
        (NEW_CODE, "<svg", "seal.svg", "seal.svgは正しい XML ではありません"),
        (NEW_CODE, "<html/>", "seal.svg", "SVG の <svg> 要素ではありません"),
        (NEW_CODE, SVG.format(CIRCLE + " " * MAX_BYTES), "seal.svg", "200KB以下にしてください"),
        (
            NEW_CODE,
            SVG.replace("100 100", "400 20").format(CIRCLE),
            "seal.svg",
            "seal.svgの大きさは400×20です。公印の縦横の比は4倍までにしてください。",
        ),
        (NEW_CODE, _png(8, 8), "seal.png", "seal.pngの大きさは8×8です。縦横とも16から4096までにしてください。"),
        (NEW_CODE, b"\x89PNG\r\n\x1a\n not really", "seal.png", "PNG 画像として読み取れません"),
        (NEW_CODE, b"GIF89a", "seal.gif", "SVG（.svg）か PNG（.png）のファイルにしてください"),
        ("999997", SVG.format(CIRCLE), "seal.svg", "CODE: 地方公共団体コード 999997 の自治体はすでにあります。"),
    ],
)
def test_add_refuses_bad_input_and_changes_nothing(app, db_session, demo, seal_files, code, content, name, expected):
    before = db_state(db_session)
    municipalities = db_session.scalars(select(Municipality.code)).all()
    result = _add(app, _file(seal_files, name, content), code)
    assert result.exit_code == 1 and expected in result.output, result.output
    assert db_session.scalars(select(Municipality.code)).all() == municipalities
    assert db_state(db_session) == before
    assert not list(SEALS.glob(f"{NEW_CODE}.*"))


def test_enable_sets_the_municipalitys_terms_and_residents_see_them(app, client, db_session):
    result = _invoke(
        app, "enable", "999997", "juminhyo", "--fee", "450", "--processing-days", "5",
        "--contact-name", "市民課 住民記録係", "--contact-phone", "0120-000-000",
        "--contact-hours", "平日 8:30〜17:15", "--help-text", "郵送でのお受け取りもできます。",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = client.get("/999997/procedures/juminhyo").text
    assert "450円" in page and "300円" not in page and "5日" in page
    assert "市民課 住民記録係" in page and "0120-000-000" in page and "平日 8:30〜17:15" in page
    assert "郵送でのお受け取りもできます。" in page
    # The other municipality keeps the catalog's terms.
    other = client.get("/999989/procedures/juminhyo").text
    assert "300円" in other and "市民課 住民記録係" not in other

    # Options not given keep their value.
    assert _invoke(app, "enable", "999997", "juminhyo", "--fee", "0").exit_code == 0
    offer = _offer(db_session, "999997", "juminhyo")
    assert offer is not None and (offer.fee, offer.processing_days, offer.contact_name) == (0, 5, "市民課 住民記録係")
    assert "無料" in client.get("/999997/procedures/juminhyo").text


def test_the_queue_and_receipt_count_the_municipalitys_processing_days(app, client, make_client, db_session):
    assert _invoke(app, "enable", "999997", "juminhyo", "--processing-days", "10").exit_code == 0
    login(client, "resident", "resident-yamada")
    reference = apply(client, "999997", "juminhyo", JUMINHYO_ANSWERS)
    assert (
        "標準処理期間は10日（土日・祝日・年末年始などの閉庁日を除く）です。"
        in client.get(f"/999997/applications/{reference}/receipt").text
    )
    due = db_session.scalars(select(Submission.due_on).filter_by(reference=reference)).one()
    assert due == deadlines.due_from(db_session, "999997", jst.today(), 10)  # 10 開庁日 from today
    assert (
        wareki.format_date(due, with_seireki=True) in make_client("staff", "staff-mihon-clerk").get("/backoffice/").text
    )


def test_disable_and_the_window_decide_what_is_offered(app, client, db_session):
    assert _invoke(app, "disable", "999997", "sodai_gomi").exit_code == 0
    login(client, "resident", "resident-yamada")
    assert client.get("/999997/procedures/sodai_gomi").status_code == 404
    assert client.get("/999997/procedures/sodai_gomi/apply").status_code == 404
    assert "/999997/procedures/sodai_gomi" not in client.get("/999997/").text

    tomorrow = (jst.today() + timedelta(days=1)).isoformat()
    assert _invoke(app, "enable", "999997", "sodai_gomi", "--from", tomorrow).exit_code == 0
    assert client.get("/999997/procedures/sodai_gomi").status_code == 404
    assert "/999997/procedures/sodai_gomi" not in client.get("/999997/").text

    yesterday = (jst.today() - timedelta(days=1)).isoformat()
    result = _invoke(app, "enable", "999997", "sodai_gomi", "--from", "2000-01-01", "--until", yesterday)
    assert result.exit_code == 0, result.output
    assert client.get("/999997/procedures/sodai_gomi").status_code == 404

    assert _invoke(app, "enable", "999997", "sodai_gomi", "--until", jst.today().isoformat()).exit_code == 0
    assert client.get("/999997/procedures/sodai_gomi").status_code == 200
    assert "/999997/procedures/sodai_gomi" in client.get("/999997/").text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["enable", "999997", "nonexistent"], "SLUG: カタログに手続き「nonexistent」はありません（あるもの："),
        (["enable", "999998", "juminhyo"], "CODE: 地方公共団体コード 999998 の自治体はありません。"),
        (
            ["enable", "999997", "juminhyo", "--fee", "-1"],
            "--fee: 手数料は0円（無料）から1000000円までにしてください（-1円は設定できません）。",
        ),
        (
            ["enable", "999997", "juminhyo", "--processing-days", "0"],
            "--processing-days: 標準処理期間は1日から365日までにしてください（0日は設定できません）。",
        ),
        (
            ["enable", "999997", "juminhyo", "--from", "2027-04-01", "--until", "2027-03-31"],
            "--until: 受付終了日（2027-03-31）が受付開始日（2027-04-01）より前です。",
        ),
        (["enable", "999997", "juminhyo", "--from", "2027-02-30"], "Invalid value for '--from'"),
        (
            ["enable", "999997", "juminhyo", "--contact-phone", "<b>"],
            "--contact-phone: 電話番号「<b>」に使えるのは数字、空白、+、-、括弧だけです。",
        ),
        (
            ["enable", "999997", "juminhyo", "--help-text", "x" * 2001],
            "--help-text: 案内文は2000文字以内にしてください。",
        ),
        (["disable", "999989", "sodai_gomi"], "SLUG: 999989 では手続き「sodai_gomi」を提供したことがありません。"),
    ],
)
def test_enable_and_disable_refuse_bad_input_and_change_nothing(app, client, db_session, args, expected):
    before = db_state(db_session)
    offers = [(o.slug, o.enabled, o.fee) for o in db_session.scalars(select(MunicipalityProcedure))]
    result = _invoke(app, *args)
    assert result.exit_code != 0 and expected in result.output, result.output
    db_session.expire_all()
    assert [(o.slug, o.enabled, o.fee) for o in db_session.scalars(select(MunicipalityProcedure))] == offers
    assert db_state(db_session) == before
    assert "300円" in client.get("/999997/procedures/juminhyo").text


def test_add_names_the_municipality_in_other_languages(app, db_session, seal_files):
    seal = _file(seal_files, "seal.svg", SVG.format(CIRCLE))
    result = _invoke(
        app, "add", NEW_CODE, "--name", "新見本市", "--prefecture", "見本県", "--mayor-title", "新見本市長",
        "--mayor-name", "新見 一郎", "--seal", str(seal), "--name-in", "en", "Shin-Mihon City", "--name-in", "ko", "신미혼시",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    added = db_session.get_one(Municipality, NEW_CODE)
    assert added.names == {"en": "Shin-Mihon City", "ko": "신미혼시"}


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("tl", "Lungsod"), "--name-in: unknown language 'tl' (one of ja-x-easy, en, zh-Hans, ko, vi, pt-BR, fil, ne)"),
        (("en", "C" * 101), "--name-in en: 名称（English）は100文字以内にしてください。"),
    ],
)
def test_add_refuses_a_bad_name_in_another_language(app, db_session, demo, seal_files, names, expected):
    before = db_state(db_session)
    seal = _file(seal_files, "seal.svg", SVG.format(CIRCLE))
    result = _invoke(
        app, "add", NEW_CODE, "--name", "新見本市", "--prefecture", "見本県", "--mayor-title", "新見本市長",
        "--mayor-name", "新見 一郎", "--seal", str(seal), "--name-in", *names,
    )  # fmt: skip
    assert result.exit_code == 1 and expected in result.output, result.output
    assert db_state(db_session) == before and not list(SEALS.glob(f"{NEW_CODE}.*"))
