"""The procedures page: every catalog procedure, adopted or not, with its window and the municipality's own terms,
edited through a form that reuses the command line's service; procedures without English are marked."""

from __future__ import annotations

import html
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.config import ROOT
from portal.japan import jst
from portal.models import AuditAction, MunicipalityProcedure
from tests.web.admin.conftest import (
    ADMIN,
    ADMIN_NAME,
    MIHON,
    OPERATOR,
    SHIKEN,
    admin_state,
    audit_entries,
    error_summary,
    invalid_inputs,
    submit,
)
from tests.web.conftest import logged_in
from tests.web.journeys import flashed

LIST = f"/backoffice/admin/municipalities/{MIHON}/procedures/"
FORM = f"{LIST}juminhyo"
UNTRANSLATED = "訳なし：English（日本語で表示）"
TERMS = {
    "enabled": "on",
    "fee": "450",
    "processing_days": "5",
    "available_from-era": "seireki",
    "available_from-year": "2000",
    "available_from-month": "1",
    "available_from-day": "1",
    "contact_name": "市民課 住民記録係",
    "contact_phone": "0120-000-000",
    "contact_hours": "平日 8:30〜17:15",
    "help": "郵送でのお受け取りもできます。",
}


def _offer(db_session, code: str, slug: str) -> MunicipalityProcedure | None:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalar(select(MunicipalityProcedure).filter_by(municipality_code=code, slug=slug))


def _row(page: str, title: str) -> str:
    return next(row for row in page.split("<tr>") if title in row)


def test_every_catalog_procedure_is_listed_adopted_or_not(operator: FlaskClient, db_session) -> None:
    page = operator.get(f"/backoffice/admin/municipalities/{SHIKEN}/procedures/").text
    assert "提供中" in _row(page, "住民票の写しの交付請求")
    assert "未採用" in _row(page, "粗大ごみ収集の申込")
    assert UNTRANSLATED not in page  # the shipped catalog is translated


def test_an_administrator_sets_the_terms_residents_then_see(
    admin: FlaskClient, client: FlaskClient, db_session
) -> None:
    response = submit(admin, FORM, TERMS)
    assert response.headers["Location"] == LIST
    listed = flashed(admin, response)
    assert "手続きの設定を保存しました。" in listed
    row = _row(listed, "住民票の写しの交付請求")
    assert "450円" in row and "5日" in row and "市民課 住民記録係" in row and "平成12年（2000年）1月1日〜" in row

    resident_page = client.get(f"/{MIHON}/procedures/juminhyo").text
    assert (
        "450円" in resident_page
        and "市民課 住民記録係" in resident_page
        and "郵送でのお受け取りもできます。" in resident_page
    )

    [entry] = audit_entries(db_session)
    assert (entry.action, entry.target, entry.actor_name) == (
        AuditAction.PROCEDURE_CHANGED,
        f"procedure:{MIHON}/juminhyo",
        ADMIN_NAME,
    )
    assert entry.before == {
        "fee": None,
        "processing_days": None,
        "available_from": None,
        "contact_name": None,
        "contact_phone": None,
        "contact_hours": None,
        "help": None,
    }
    assert entry.after == {
        "fee": 450,
        "processing_days": 5,
        "available_from": "2000-01-01",
        "contact_name": "市民課 住民記録係",
        "contact_phone": "0120-000-000",
        "contact_hours": "平日 8:30〜17:15",
        "help": "郵送でのお受け取りもできます。",
    }


def test_the_form_shows_the_current_terms_and_the_catalogs_values(admin: FlaskClient, db_session) -> None:
    submit(admin, FORM, TERMS)
    page = admin.get(FORM).text
    assert 'value="450"' in page and 'value="市民課 住民記録係"' in page and "checked" in page
    assert "空欄ならカタログの手数料（300円 × 必要な通数）です。0は無料です。入力した金額が単価になります。" in page
    assert "空欄ならカタログの標準処理期間（3日）です。" in page


def test_an_emptied_term_goes_back_to_the_catalogs(admin: FlaskClient, client: FlaskClient, db_session) -> None:
    submit(admin, FORM, TERMS)
    submit(admin, FORM, {**TERMS, "fee": ""})
    offer = _offer(db_session, MIHON, "juminhyo")
    assert offer is not None and offer.fee is None and offer.processing_days == 5
    assert "300円" in client.get(f"/{MIHON}/procedures/juminhyo").text
    last = audit_entries(db_session)[-1]
    assert (last.before, last.after) == ({"fee": 450}, {"fee": None})


def test_unticking_stops_offering_and_ticking_adopts(
    admin: FlaskClient, operator: FlaskClient, client, db_session
) -> None:
    response = submit(admin, f"{LIST}sodai_gomi", {"fee": ""})
    assert response.status_code == 302
    assert client.get(f"/{MIHON}/procedures/sodai_gomi").status_code == 404
    disabled = audit_entries(db_session)[-1]
    assert (disabled.action, disabled.before, disabled.after) == (
        AuditAction.PROCEDURE_DISABLED,
        {"enabled": True},
        {"enabled": False},
    )

    adopt = f"/backoffice/admin/municipalities/{SHIKEN}/procedures/sodai_gomi"
    assert submit(operator, adopt, {"enabled": "on", "fee": "200"}).status_code == 302
    assert client.get(f"/{SHIKEN}/procedures/sodai_gomi").status_code == 200
    adopted = audit_entries(db_session)[-1]
    assert (adopted.action, adopted.municipality_code) == (AuditAction.PROCEDURE_ENABLED, SHIKEN)
    assert (adopted.before, adopted.after) == ({"enabled": False, "fee": None}, {"enabled": True, "fee": 200})


def test_a_window_in_the_future_is_listed_as_outside_it(admin: FlaskClient, client: FlaskClient, db_session) -> None:
    tomorrow = jst.today() + timedelta(days=1)
    window = {
        "available_from-era": "seireki",
        "available_from-year": str(tomorrow.year),
        "available_from-month": str(tomorrow.month),
        "available_from-day": str(tomorrow.day),
    }
    submit(admin, f"{LIST}sodai_gomi", {"enabled": "on", **window})
    assert "受付期間外" in _row(admin.get(LIST).text, "粗大ごみ収集の申込")
    assert client.get(f"/{MIHON}/procedures/sodai_gomi").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fee": "-1"}, "fee", "手数料は0から1000000までの数を入力してください"),
        ({"fee": "三百"}, "fee", "手数料は数字で入力してください"),
        ({"processing_days": "0"}, "processing_days", "標準処理期間は1から365までの数を入力してください"),
        ({"available_from-day": "32"}, "available_from", "受付開始日に存在しない日付が入力されています"),
        ({"available_from-month": ""}, "available_from", "受付開始日の年・月・日をすべて入力してください"),
        (
            {
                "available_until-era": "seireki",
                "available_until-year": "1999",
                "available_until-month": "12",
                "available_until-day": "31",
            },
            "available_until",
            "受付終了日（1999-12-31）が受付開始日（2000-01-01）より前です。",
        ),
        ({"contact_phone": "窓口まで"}, "contact_phone", "電話番号は市外局番から正しい電話番号を入力してください"),
        ({"contact_name": "課" * 101}, "contact_name", "担当窓口は100文字以内で入力してください"),
        ({"help": "あ" * 2001}, "help", "案内文は2000文字以内で入力してください"),
    ],
)
def test_bad_terms_show_the_error_and_change_nothing(admin: FlaskClient, db_session, changes, field, message) -> None:
    before = admin_state(db_session)
    response = submit(admin, FORM, {**TERMS, **changes})
    assert response.status_code == 200
    [(anchor, shown)] = error_summary(response.text)
    assert anchor == f"field-{field}" and html.unescape(shown).startswith(message), shown
    assert f"field-{field}" in invalid_inputs(response.text)
    assert 'value="450"' in response.text or field == "fee"  # what was typed stays in the form
    assert admin_state(db_session) == before


def test_every_problem_is_listed_at_once(admin: FlaskClient, db_session) -> None:
    before = admin_state(db_session)
    until = {"available_until-era": "seireki", "available_until-year": "1999", "available_until-month": "1"}
    response = submit(admin, FORM, {**TERMS, "fee": "-1", **until, "available_until-day": "1"})
    assert [anchor for anchor, _message in error_summary(response.text)] == ["field-fee", "field-available_until"]
    assert admin_state(db_session) == before


def test_a_procedure_not_in_the_catalog_is_not_found(admin: FlaskClient, db_session) -> None:
    before = admin_state(db_session)
    assert admin.get(f"{LIST}nonexistent").status_code == 404
    assert submit(admin, f"{LIST}nonexistent", TERMS, token_from=FORM).status_code == 404
    assert admin_state(db_session) == before


@pytest.fixture
def own_catalog(tmp_path: Path) -> Path:
    """The shipped catalog plus a municipality's own procedure that nobody translated (its title and labels)."""
    catalog = tmp_path / "forms_catalog"
    shutil.copytree(ROOT / "forms_catalog", catalog)
    text = (ROOT / "forms_catalog" / "sodai_gomi.yaml").read_text(encoding="utf-8")
    (catalog / "kotatsu.yaml").write_text(
        text.replace("粗大ごみ収集の申込", "こたつ回収の申込").replace("品目と個数", "こたつの数"), encoding="utf-8"
    )
    return catalog


def test_a_procedure_without_english_is_marked(
    build_app, own_catalog: Path, english_translations: Path, demo, unspent_limits
) -> None:
    """English's is the one catalog shipped here: each other language's would be listed too."""
    app = build_app({"BABEL_TRANSLATION_DIRECTORIES": str(english_translations)}, CATALOG_DIR=str(own_catalog))
    assert app.test_cli_runner().invoke(args=["catalog", "publish"]).exit_code == 0
    for sub in (ADMIN, OPERATOR):
        page = logged_in(app, "staff", sub).get(LIST).text
        assert UNTRANSLATED in _row(page, "こたつ回収の申込")
        assert UNTRANSLATED not in _row(page, "粗大ごみ収集の申込")
    form = logged_in(app, "staff", ADMIN).get(f"{LIST}kotatsu").text
    assert "この手続きには、次の言語の訳がない文言があります：English。" in form


def test_has_translation_tells_whether_english_has_its_own_text(app) -> None:  # type: ignore[no-untyped-def]
    from portal.languages import ENGLISH, JAPANESE
    from portal.web.i18n import has_translation

    with app.test_request_context("/"):
        assert has_translation("住民票の写しの交付請求", ENGLISH)
        assert not has_translation("こたつ回収の申込", ENGLISH)
        assert has_translation("こたつ回収の申込", JAPANESE)  # the source language: its msgid is its text
