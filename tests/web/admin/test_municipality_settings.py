"""A municipality's details on the administration pages, and operators adding a municipality from the web.

Each bad input shows the error summary linking to its field, marks the field invalid, and changes nothing.
"""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient

from portal.models import AuditAction, AuditActorKind, Municipality
from tests.web.admin.conftest import (
    ADMIN_NAME,
    CIRCLE,
    MIHON,
    OPERATOR_NAME,
    SEALS,
    SVG,
    admin_state,
    audit_entries,
    error_summary,
    invalid_inputs,
    submit,
)
from tests.web.journeys import flashed

PAGE = f"/backoffice/admin/municipalities/{MIHON}/"
DETAILS = {"name": "見本市", "prefecture": "見本県", "mayor_title": "見本市長", "mayor_name": "見本 太郎"}
NEW = "/backoffice/admin/municipalities/new"
NEW_CODE = "999962"
NEW_DETAILS = {
    "code": NEW_CODE,
    "name": "新見本市",
    "prefecture": "見本県",
    "mayor_title": "新見本市長",
    "mayor_name": "新見 一郎",
}


def test_the_page_shows_the_current_details_and_seal(admin: FlaskClient, db_session) -> None:
    page = admin.get(PAGE).text
    assert 'value="見本市長"' in page and 'value="見本 太郎"' in page
    assert 'src="/static/seals/999997.svg"' in page
    assert "※必須" in page and 'aria-required="true"' in page


def test_an_administrator_changes_the_mayor_and_the_audit_log_keeps_before_and_after(
    admin: FlaskClient, db_session
) -> None:
    response = submit(admin, PAGE, {**DETAILS, "mayor_name": "新市長 花子"})
    assert "自治体の設定を保存しました。" in flashed(admin, response)
    db_session.expire_all()
    municipality = db_session.get(Municipality, MIHON)
    assert municipality is not None and municipality.mayor_name == "新市長 花子"
    [entry] = audit_entries(db_session)
    assert (entry.action, entry.target, entry.municipality_code) == (
        AuditAction.MUNICIPALITY_CHANGED,
        f"municipality:{MIHON}",
        MIHON,
    )
    assert (entry.actor_kind, entry.actor_name) == (AuditActorKind.STAFF, ADMIN_NAME)
    assert (entry.before, entry.after) == ({"mayor_name": "見本 太郎"}, {"mayor_name": "新市長 花子"})


def test_saving_unchanged_details_writes_no_audit_entry(admin: FlaskClient, db_session) -> None:
    before = admin_state(db_session)
    assert submit(admin, PAGE, DETAILS).status_code == 302
    assert admin_state(db_session) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "名称を入力してください"),
        ({"name": "市" * 101}, "name", "名称は100文字以内で入力してください"),
        ({"prefecture": "見本県見本県見本県見本県"}, "prefecture", "都道府県は10文字以内で入力してください"),
        ({"mayor_title": "  "}, "mayor_title", "首長の職名を入力してください"),
        (
            {"mayor_name": "見本\u202e太郎"},
            "mayor_name",
            "首長の氏名に文字の表示順を変える制御文字（U+202E）が含まれています",
        ),
        (
            {"mayor_name": "見本 😀"},
            "mayor_name",
            "首長の氏名に証明書に印字できない文字（U+1F600「😀」）が含まれています",
        ),
    ],
)
def test_bad_details_show_the_error_and_change_nothing(admin: FlaskClient, db_session, changes, field, message) -> None:
    before = admin_state(db_session)
    response = submit(admin, PAGE, {**DETAILS, **changes})
    assert response.status_code == 200
    [(anchor, shown)] = error_summary(response.text)
    assert anchor == f"field-{field}" and shown.startswith(message), shown
    assert f"field-{field}" in invalid_inputs(response.text)
    assert admin_state(db_session) == before


def test_an_operator_adds_a_municipality_with_its_seal(operator: FlaskClient, db_session, seal_files) -> None:
    seal = SVG.format(CIRCLE).encode()
    response = submit(operator, NEW, NEW_DETAILS, seal=("公印.svg", seal))
    assert (
        response.status_code == 302 and response.headers["Location"] == f"/backoffice/admin/municipalities/{NEW_CODE}/"
    )
    db_session.expire_all()
    added = db_session.get(Municipality, NEW_CODE)
    assert added is not None and (added.name, added.mayor_name, added.seal) == (
        "新見本市",
        "新見 一郎",
        f"{NEW_CODE}.svg",
    )
    assert (SEALS / added.seal).read_bytes() == seal
    [entry] = audit_entries(db_session)
    assert (entry.action, entry.municipality_code, entry.actor_name) == (
        AuditAction.MUNICIPALITY_ADDED,
        NEW_CODE,
        OPERATOR_NAME,
    )
    assert entry.before is None
    assert entry.after == {**{k: v for k, v in NEW_DETAILS.items() if k != "code"}, "seal": f"{NEW_CODE}.svg"}
    assert operator.get(f"/backoffice/admin/municipalities/{NEW_CODE}/procedures/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "seal", "anchor", "message"),
    [
        ({"code": "999963"}, "ok", "field-code", "「999963」は地方公共団体コードではありません"),
        ({"code": "99996"}, "ok", "field-code", "地方公共団体コードは6桁の数字で入力してください"),
        ({"code": MIHON}, "ok", "field-code", f"地方公共団体コード {MIHON} の自治体はすでにあります。"),
        ({"name": ""}, "ok", "field-name", "名称を入力してください"),
        ({}, None, "field-seal", "公印の画像ファイル（SVG または PNG）を選択してください。"),
        ({}, "<script>", "field-seal", "公印.svg：公印の SVG に <script> は使えません。"),
        ({}, "gif", "field-seal", "公印.gif：公印の画像は SVG（.svg）か PNG（.png）のファイルにしてください。"),
    ],
)
def test_a_bad_new_municipality_shows_the_error_and_adds_nothing(
    operator: FlaskClient, db_session, seal_files, changes, seal, anchor, message
) -> None:
    files = {
        "ok": {"seal": ("公印.svg", SVG.format(CIRCLE).encode())},
        "<script>": {"seal": ("公印.svg", SVG.format(CIRCLE + "<script>alert(1)</script>").encode())},
        "gif": {"seal": ("公印.gif", b"GIF89a")},
        None: {},
    }[seal]
    before = admin_state(db_session)
    response = submit(operator, NEW, {**NEW_DETAILS, **changes}, **files)
    assert response.status_code == 200
    summary = [(a, html.unescape(m)) for a, m in error_summary(response.text)]
    assert (anchor, message) in summary or any(a == anchor and m.startswith(message) for a, m in summary), summary
    assert anchor in invalid_inputs(response.text)
    assert admin_state(db_session) == before


def test_only_operators_add_municipalities(admin: FlaskClient, db_session, seal_files) -> None:
    before = admin_state(db_session)
    response = submit(admin, NEW, NEW_DETAILS, token_from=PAGE, seal=("公印.svg", SVG.format(CIRCLE).encode()))
    assert response.status_code == 403
    assert admin_state(db_session) == before


def test_an_administrator_names_the_municipality_in_other_languages(admin: FlaskClient, db_session) -> None:
    page = admin.get(PAGE).text
    assert "ほかの言語での名称" in page and "名称（English）" in page and "名称（नेपाली）" in page
    names = {"name_en": "Mihon City", "name_ko": "미혼시", "name_ne": "मिहोन सहर", "name_vi": "Thành phố Mihon"}
    response = submit(admin, PAGE, {**DETAILS, **names})
    assert "自治体の設定を保存しました。" in flashed(admin, response)
    db_session.expire_all()
    municipality = db_session.get_one(Municipality, MIHON)
    assert municipality.names == {"en": "Mihon City", "ko": "미혼시", "ne": "मिहोन सहर", "vi": "Thành phố Mihon"}
    [entry] = audit_entries(db_session)
    assert entry.action is AuditAction.MUNICIPALITY_CHANGED
    assert entry.before == dict.fromkeys(names) and entry.after == names
    assert 'value="미혼시"' in admin.get(PAGE).text

    submit(admin, PAGE, {**DETAILS, **names, "name_ko": " "})  # emptied: Korean pages show the Japanese name
    db_session.expire_all()
    assert "ko" not in db_session.get_one(Municipality, MIHON).names
    latest = audit_entries(db_session)[-1]
    assert (latest.before, latest.after) == ({"name_ko": "미혼시"}, {"name_ko": None})
    log = admin.get(f"/backoffice/admin/municipalities/{MIHON}/audit").text
    assert "名称（한국어）" in log


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name_en": "C" * 101}, "name_en", "名称（English）は100文字以内で入力してください"),
        (
            {"name_ko": "미혼\u202e시"},
            "name_ko",
            "名称（한국어）に文字の表示順を変える制御文字（U+202E）が含まれています",
        ),
    ],
)
def test_a_bad_name_in_another_language_shows_the_error_and_changes_nothing(
    admin: FlaskClient, db_session, changes, field, message
) -> None:
    before = admin_state(db_session)
    response = submit(admin, PAGE, {**DETAILS, **changes})
    assert response.status_code == 200
    [(anchor, shown)] = error_summary(response.text)
    assert anchor == f"field-{field}" and html.unescape(shown).startswith(message), shown
    assert admin_state(db_session) == before


def test_the_service_refuses_a_language_it_does_not_know(db_session, demo) -> None:
    from portal.services.actors import Administrator
    from portal.services.municipalities import Details, MunicipalityRefused, update_municipality

    before = admin_state(db_session)
    with pytest.raises(MunicipalityRefused) as refused:
        update_municipality(db_session, Administrator.command_line(), MIHON, Details(**DETAILS, names={"name_tl": "x"}))
    assert str(refused.value) == "「name_tl」という設定はありません。"
    assert admin_state(db_session) == before
