"""Validating answers to the real 住民票 and 粗大ごみ definitions; prefill; re-display; display text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from portal.catalog import (
    Answer,
    FieldDef,
    ProcedureDefinition,
    answers_by_page,
    display_answers,
    display_fields,
    load_definition,
    prefill,
    to_raw,
    validate,
    validate_fields,
)
from portal.catalog.fieldtypes.household import not_asked, typed_instead
from portal.identity import ResidentProfile
from portal.japan import jst

CATALOG = Path(__file__).resolve().parents[2] / "forms_catalog"


@pytest.fixture(scope="module")
def juminhyo() -> ProcedureDefinition:
    return load_definition(CATALOG / "juminhyo.yaml")


@pytest.fixture(scope="module")
def sodai_gomi() -> ProcedureDefinition:
    return load_definition(CATALOG / "sodai_gomi.yaml")


APPLICANT = {
    "family_name": ["山田"],
    "given_name": ["花子"],
    "family_name_kana": ["やまだ"],
    "given_name_kana": ["ﾊﾅｺ"],
    "birthdate-era": ["showa"],
    "birthdate-year": ["５５"],
    "birthdate-month": ["3"],
    "birthdate-day": ["14"],
    "postal_code": ["100-0001"],
    "address": ["東京都千代田区千代田１－１"],
    "phone": ["０３－１２３４－５６７８"],
}
REQUESTER = {"request_by": ["self"]}  # the generated second page: the resident's own
REQUEST = {"scope": ["self"], "copies": ["2"], "purpose": ["employment"]}
METHODS = {"receipt_method": ["counter"], "payment_method": ["online"]}  # the generated last page
# The recorded household the web layer supplies as the choices of 世帯の一部 (members).
HOUSEHOLD = [("P0001", "山田 太郎（世帯主）"), ("P0002", "山田 優子（妻）")]


def answers(**changes: list[str]) -> dict[str, list[str]]:
    return {**APPLICANT, **REQUESTER, **REQUEST, **METHODS, **changes}


def test_full_answers_are_normalised(juminhyo: ProcedureDefinition) -> None:
    result = validate(juminhyo, answers())
    assert result.ok, result.errors
    assert result.values == {
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ハナコ",
        "birthdate": "1980-03-14",
        "postal_code": "1000001",
        "address": "東京都千代田区千代田1-1",
        "phone": "03-1234-5678",
        "request_by": "self",  # nothing else of the requester page is asked for the resident's own
        "scope": "self",
        "items": None,  # optional and left empty
        "copies": 2,
        "purpose": "employment",
        "receipt_method": "counter",
        "payment_method": "online",
    }


def test_hidden_fields_are_neither_validated_nor_stored(juminhyo: ProcedureDefinition) -> None:
    result = validate(juminhyo, answers(members=["P0099"], purpose_detail=["x" * 500]))
    assert result.ok
    assert "members" not in result.values and "purpose_detail" not in result.values


def test_shown_fields_are_required(juminhyo: ProcedureDefinition) -> None:
    result = validate(juminhyo, answers(scope=["partial"], purpose=["other"]))
    assert list(result.errors) == ["members", "purpose_detail"]
    assert str(result.errors["members"]) == "必要な方を選択してください"
    assert str(result.errors["purpose_detail"]) == "使いみちの詳細を入力してください"
    shown = validate(
        juminhyo,
        answers(scope=["partial"], members=["P0002", "P0001"], purpose=["other"], purpose_detail=["ビザ申請"]),
        choices={"members": HOUSEHOLD},
    )
    assert shown.ok
    assert (shown.values["members"], shown.values["purpose_detail"]) == (["P0001", "P0002"], "ビザ申請")


def test_required_messages_in_field_order(juminhyo: ProcedureDefinition) -> None:
    result = validate(juminhyo, {})
    assert not result.ok
    assert list(result.errors) == [
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birthdate",
        "postal_code",
        "address",
        "phone",
        "request_by",
        "scope",
        "copies",
        "purpose",
        "receipt_method",
        "payment_method",
    ]
    assert str(result.errors["family_name"]) == "氏を入力してください"
    assert str(result.errors["scope"]) == "必要な方を選択してください"
    assert result.values == {"items": None}


@pytest.mark.parametrize(("copies", "ok"), [("0", False), ("1", True), ("１０", True), ("11", False)])
def test_copies_bounds(juminhyo: ProcedureDefinition, copies: str, ok: bool) -> None:
    result = validate(juminhyo, answers(copies=[copies]))
    assert result.ok is ok
    if not ok:
        assert str(result.errors["copies"]) == "必要な通数は1から10までの数を入力してください"


def test_birthdate_cannot_be_in_the_future(juminhyo: ProcedureDefinition) -> None:
    tomorrow = jst.today() + timedelta(days=1)
    result = validate(
        juminhyo,
        answers(
            **{
                "birthdate-era": ["seireki"],
                "birthdate-year": [str(tomorrow.year)],
                "birthdate-month": [str(tomorrow.month)],
                "birthdate-day": [str(tomorrow.day)],
            }
        ),
    )
    assert result.errors["birthdate"].msgid == "%(label)sは%(date)s以前の日付を入力してください"


def test_one_page_at_a_time(juminhyo: ProcedureDefinition) -> None:
    first = validate(juminhyo, APPLICANT, page="applicant")
    assert first.ok and set(first.values) == {f.name for f in juminhyo.page("applicant").fields}
    second = validate(juminhyo, {"scope": ["partial"]}, page="request")
    assert list(second.errors) == ["members", "copies", "purpose"]  # nothing from the applicant page


def test_page_show_if_looks_back_at_earlier_answers(tmp_path: Path) -> None:
    text = (CATALOG / "juminhyo.yaml").read_text(encoding="utf-8")
    moved = tmp_path / "moved.yaml"
    moved.write_text(
        text.replace("{field: scope, equals: partial}", "{field: family_name, equals: 山田}"), encoding="utf-8"
    )
    definition = load_definition(moved)
    saved = validate(definition, APPLICANT, page="applicant").values
    result = validate(definition, {**to_raw(definition, saved), **REQUEST}, page="request")
    assert list(result.errors) == ["members"]


def test_unknown_page(juminhyo: ProcedureDefinition) -> None:
    with pytest.raises(KeyError, match="no page 'payment'"):
        validate(juminhyo, {}, page="payment")


def test_sodai_gomi_items_and_dates(sodai_gomi: ProcedureDefinition) -> None:
    tomorrow = jst.today() + timedelta(days=1)
    raw = {
        "family_name": ["佐藤"],
        "given_name": ["一郎"],
        "phone": ["090-1234-5678"],
        "postal_code": ["1000001"],
        "collection_address": ["千代田1-1"],
        "items-sofa": ["1"],
        "items-futon": ["２"],
        "preferred_date-era": ["reiwa"],
        "preferred_date-year": [str(tomorrow.year - 2018)],
        "preferred_date-month": [str(tomorrow.month)],
        "preferred_date-day": [str(tomorrow.day)],
    }
    result = validate(sodai_gomi, raw)
    assert result.ok, result.errors
    assert result.values["items"] == {"sofa": 1, "futon": 2}
    assert result.values["notes"] is None
    nothing = validate(sodai_gomi, {**raw, "items-sofa": ["0"], "items-futon": [""]})
    assert str(nothing.errors["items"]) == "品目と個数を1つ以上入力してください"
    too_many = validate(sodai_gomi, {**raw, "items-sofa": ["6"]})
    assert str(too_many.errors["items"]) == "品目と個数の「ソファ」は0から5までの数を入力してください"
    yesterday = jst.today() - timedelta(days=1)
    past = validate(
        sodai_gomi,
        {
            **raw,
            "preferred_date-era": ["seireki"],
            "preferred_date-year": [str(yesterday.year)],
            "preferred_date-month": [str(yesterday.month)],
            "preferred_date-day": [str(yesterday.day)],
        },
    )
    assert past.errors["preferred_date"].msgid == "%(label)sは%(date)s以降の日付を入力してください"


def test_prefill_from_profile(juminhyo: ProcedureDefinition) -> None:
    profile = ResidentProfile(
        subject="abc",
        family_name="山田",
        given_name="花子",
        family_name_kana="やまだ",  # some providers send hiragana
        given_name_kana="ﾊﾅｺ",
        birthdate="1980-03-14",
        postal_code="100-0001",
        address="東京都千代田区千代田１－１",
        gender="female",  # no field asks for it
    )
    assert prefill(juminhyo, profile.prefill_values()) == {
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ハナコ",
        "birthdate": "1980-03-14",
        "postal_code": "1000001",
        "address": "東京都千代田区千代田1-1",
        "delivery_postal_code": "1000001",  # where a certificate is mailed, from the same claims
        "delivery_address": "東京都千代田区千代田1-1",
    }


def test_prefill_skips_values_that_do_not_parse(juminhyo: ProcedureDefinition) -> None:
    values = prefill(
        juminhyo, {"family_name_kana": "Yamada", "birthdate": "14/03/1980", "postal_code": "12", "given_name": "花子"}
    )
    assert values == {"given_name": "花子"}


def test_prefill_skips_claims_with_control_characters(juminhyo: ProcedureDefinition) -> None:
    """A provider's claim is checked like typing: a reordered name is not put into the form."""
    values = prefill(juminhyo, {"family_name": "山田\u202e", "given_name": "花子", "address": "千代田区\n1-1"})
    assert values == {"given_name": "花子"}


def test_control_characters_are_reported_with_the_other_errors(juminhyo: ProcedureDefinition) -> None:
    result = validate(juminhyo, answers(given_name=["花\u202e子"], copies=["9" * 5000], phone=["abc"]))
    assert {name: str(message) for name, message in result.errors.items()} == {
        "given_name": "名に文字の表示順を変える制御文字（U+202E）が含まれています。削除してください",
        "phone": "日中連絡先は市外局番から正しい電話番号を入力してください",
        "copies": "必要な通数の数字が長すぎます。15桁以内で入力してください",
    }
    assert "given_name" not in result.values


def test_stored_values_round_trip_through_to_raw(juminhyo: ProcedureDefinition) -> None:
    chosen = answers(scope=["partial"], members=["P0002"], items=["honseki", "relationship"])
    values = validate(juminhyo, chosen, choices={"members": HOUSEHOLD}).values
    raw = to_raw(juminhyo, values)
    assert raw["birthdate-era"] == ["showa"] and raw["birthdate-year"] == ["55"]
    assert raw["members"] == ["P0002"]
    assert validate(juminhyo, raw, choices={"members": HOUSEHOLD}).values == values


def test_display_answers_translates_titles_labels_and_options(juminhyo: ProcedureDefinition) -> None:
    values = validate(juminhyo, answers(items=["relationship"])).values
    pages = display_answers(
        juminhyo, values, lambda s: {"請求者": "Applicant", "氏": "Surname", "続柄": "Relationship"}.get(s, s)
    )
    (first_title, first_rows), requester, (second_title, second_rows), (third_title, third_rows) = pages
    assert requester == ("請求の種類", [("どなたの証明書を請求しますか", "ご本人（同じ世帯の方の分を含む）")])
    assert first_title == "Applicant" and ("Surname", "山田") in first_rows
    assert ("生年月日", "昭和55年（1980年）3月14日") in first_rows
    assert ("郵便番号", "〒100-0001") in first_rows
    assert second_title == "請求内容"
    assert dict(second_rows) == {
        "必要な方": "本人のみ",
        "記載が必要な事項": "Relationship",
        "必要な通数": "2",
        "使いみち": "勤務先への提出",
    }
    assert (third_title, third_rows) == (
        "受取方法・支払方法",
        [("受取方法", "窓口で受け取る"), ("支払方法", "オンライン決済")],
    )


def test_answers_by_page_name_each_page_and_field_for_a_change_link(juminhyo: ProcedureDefinition) -> None:
    values = validate(juminhyo, answers(purpose=["other"], purpose_detail=["奨学金"])).values
    applicant, _requester, request, methods = answers_by_page(
        juminhyo, values, lambda s: {"使いみち": "Purpose"}.get(s, s)
    )
    assert (applicant.key, applicant.title, request.key) == ("applicant", "請求者", "request")
    assert (methods.key, [a.name for a in methods.answers]) == (
        "receipt_and_payment",
        ["receipt_method", "payment_method"],
    )
    assert applicant.answers[0] == Answer("family_name", "氏", "山田")
    assert [a.name for a in request.answers] == ["scope", "items", "copies", "purpose", "purpose_detail"]
    assert Answer("purpose", "Purpose", "その他") in request.answers
    assert display_answers(juminhyo, values, lambda s: s)[2] == (
        "請求内容",
        [(a.label, a.text) for a in answers_by_page(juminhyo, values, lambda s: s)[2].answers],
    )


def test_one_page_is_checked_while_show_if_reads_every_page(juminhyo: ProcedureDefinition) -> None:
    """A wizard step checks only its page; which questions are hidden comes from the answers of all pages."""
    second_page_only = validate(juminhyo, REQUEST | {"purpose": ["other"]}, page="request")
    assert list(second_page_only.errors) == ["purpose_detail"]  # page one's empty fields are not its concern
    delivery = {"delivery_postal_code", "delivery_address"}  # 郵送 not chosen (yet) on the last page
    someone_else = {f.name for f in juminhyo.page("requester").fields} - {"request_by"}  # nobody else named (yet)
    assert second_page_only.hidden == frozenset({"members", *delivery, *someone_else})
    first_page_only = validate(juminhyo, APPLICANT | {"family_name": [""]}, page="applicant")
    assert list(first_page_only.errors) == ["family_name"]
    assert first_page_only.hidden == frozenset({"members", "purpose_detail", *delivery, *someone_else})
    by_mail = answers(scope=["partial"], purpose=["other"], receipt_method=["mail"])
    assert validate(juminhyo, by_mail, page="request").hidden == frozenset(someone_else)


# --- 世帯の一部: members chosen from the recorded household ------------------------------------------


def test_members_outside_the_recorded_household_are_refused(juminhyo: ProcedureDefinition) -> None:
    result = validate(juminhyo, answers(scope=["partial"], members=["P0001", "P9999"]), choices={"members": HOUSEHOLD})
    assert str(result.errors["members"]) == "必要な方は世帯の方の一覧から選んでください"
    assert "members" not in result.values


def test_members_cannot_be_answered_without_a_recorded_household(juminhyo: ProcedureDefinition) -> None:
    result = validate(juminhyo, answers(scope=["partial"], members=["P0001"]))
    assert str(result.errors["members"]) == "住民記録で世帯を確認できないため、必要な方を選べません"
    assert validate(juminhyo, answers()).ok  # 本人のみ asks nobody from the household


def test_members_are_displayed_by_name_and_unknown_ids_as_stored(juminhyo: ProcedureDefinition) -> None:
    values = validate(
        juminhyo, answers(scope=["partial"], members=["P0002", "P0001"]), choices={"members": HOUSEHOLD}
    ).values
    shown = dict(display_answers(juminhyo, values, lambda s: s, {"members": HOUSEHOLD})[2][1])
    assert shown["必要な方"] == "山田 太郎（世帯主）、山田 優子（妻）"
    moved_out = dict(display_answers(juminhyo, values, lambda s: s, {"members": HOUSEHOLD[:1]})[2][1])
    assert moved_out["必要な方"] == "山田 太郎（世帯主）、P0002"


DELIVERY = tuple(
    FieldDef.model_validate(field)
    for field in (
        {"name": "method", "type": "radio", "label": "交付方法", "options": [{"value": "counter", "label": "窓口"}, {"value": "mail", "label": "郵送"}]},
        {"name": "mailed_to", "type": "address", "label": "送付先", "show_if": {"field": "method", "equals": "mail"}},
    )
)  # fmt: skip


def test_any_list_of_fields_is_checked_like_a_definitions() -> None:
    """A workflow transition's fields, say: normalised, show_if among them, errors naming the label."""
    mailed = validate_fields(DELIVERY, {"method": ["mail"], "mailed_to": ["東京都千代田区千代田１－１"]})
    assert mailed.ok and mailed.values == {"method": "mail", "mailed_to": "東京都千代田区千代田1-1"}
    assert validate_fields(DELIVERY, {"method": ["counter"], "mailed_to": ["どこか"]}).values == {"method": "counter"}

    refused = validate_fields(DELIVERY, {"method": ["mail"]})
    assert {name: message.render() for name, message in refused.errors.items()} == {
        "mailed_to": "送付先を入力してください"
    }
    assert display_fields(DELIVERY, mailed.values, str) == [("交付方法", "郵送"), ("送付先", "東京都千代田区千代田1-1")]


# --- otherwise: a group asked in place of household members when the household is unknown (tenshutsu) -------


@pytest.fixture(scope="module")
def tenshutsu() -> ProcedureDefinition:
    return load_definition(CATALOG / "tenshutsu.yaml")


TYPED = {
    "movers_typed-rows": ["2"],
    "movers_typed-1-family_name": ["山田"],
    "movers_typed-1-given_name": ["優子"],
    "movers_typed-1-family_name_kana": ["やまだ"],
    "movers_typed-1-given_name_kana": ["ユウコ"],
    **{f"movers_typed-1-birthdate-{k}": [v] for k, v in {"era": "showa", "year": "62", "month": "8", "day": "23"}.items()},
    "movers_typed-1-relationship": ["妻"],
    "movers_typed-2-family_name": ["山田"],
    "movers_typed-2-given_name": ["翔太"],
    "movers_typed-2-family_name_kana": ["ヤマダ"],
    "movers_typed-2-given_name_kana": ["ショウタ"],
    **{f"movers_typed-2-birthdate-{k}": [v] for k, v in {"era": "heisei", "year": "30", "month": "5", "day": "5"}.items()},
    "movers_typed-2-relationship": ["子"],
}  # fmt: skip


def test_without_the_household_its_otherwise_group_is_asked_and_the_members_are_not(
    tenshutsu: ProcedureDefinition,
) -> None:
    typed = validate(tenshutsu, {**TYPED, "movers": ["P0001"]}, page="movers")  # no choices: the household is unknown
    assert typed.ok and "movers" in typed.hidden and "movers" not in typed.values
    assert typed.values["movers_typed"] == [
        {"family_name": "山田", "given_name": "優子", "family_name_kana": "ヤマダ", "given_name_kana": "ユウコ",
         "birthdate": "1987-08-23", "relationship": "妻"},
        {"family_name": "山田", "given_name": "翔太", "family_name_kana": "ヤマダ", "given_name_kana": "ショウタ",
         "birthdate": "2018-05-05", "relationship": "子"},
    ]  # fmt: skip
    empty = validate(tenshutsu, {"movers": ["P0001"]}, page="movers")
    assert {key: str(message) for key, message in empty.errors.items()} == {
        "movers_typed": "転出する人を入力してください"
    }
    bad_row = validate(tenshutsu, {**TYPED, "movers_typed-2-given_name": [""]}, page="movers")
    assert str(bad_row.errors["movers_typed-2-given_name"]) == "転出する人 2：名を入力してください"


def test_with_the_household_the_members_are_asked_and_its_otherwise_group_is_not(
    tenshutsu: ProcedureDefinition,
) -> None:
    chosen = validate(tenshutsu, {**TYPED, "movers": ["P0002"]}, page="movers", choices={"movers": HOUSEHOLD})
    assert chosen.ok and chosen.values == {"movers": ["P0002"]} and "movers_typed" in chosen.hidden
    nobody = validate(tenshutsu, TYPED, page="movers", choices={"movers": HOUSEHOLD})
    assert {key: str(message) for key, message in nobody.errors.items()} == {"movers": "転出する人を選択してください"}


OTHERWISE = tuple(
    FieldDef.model_validate(field)
    for field in (
        {"name": "scope", "type": "radio", "label": "必要な方", "options": [{"value": "self", "label": "本人"}, {"value": "partial", "label": "一部"}]},
        {"name": "members", "type": "household_members", "label": "世帯の方", "show_if": {"field": "scope", "equals": "partial"}, "otherwise": "typed"},
        {"name": "typed", "type": "group", "label": "世帯の方", "item_label": "方", "max": 3, "fields": [{"name": "name", "type": "text", "label": "氏名"}]},
    )
)  # fmt: skip


def test_the_otherwise_group_follows_the_show_if_of_the_field_it_replaces() -> None:
    assert validate_fields(OTHERWISE, {"scope": ["self"]}).hidden == {"members", "typed"}
    asked = validate_fields(OTHERWISE, {"scope": ["partial"]})
    assert asked.hidden == {"members"} and str(asked.errors["typed"]) == "世帯の方を入力してください"
    typed = validate_fields(OTHERWISE, {"scope": ["partial"], "typed-1-name": ["山田 優子"]})
    assert typed.values == {"scope": "partial", "typed": [{"name": "山田 優子"}]}
    assert not_asked(OTHERWISE, None) == {"members"} and not_asked(OTHERWISE, {"members": HOUSEHOLD}) == {"typed"}
    assert typed_instead(OTHERWISE, typed.values) == (OTHERWISE[1],)
    assert typed_instead(OTHERWISE, {"scope": "partial", "members": ["P0001"]}) == ()
