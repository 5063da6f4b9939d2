"""Each field type: good input normalised the Japanese way, bad input refused with a clear message."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from portal.attachments import FileKind
from portal.catalog import (
    FieldDef,
    FieldError,
    ProcedureDefinition,
    display_answers,
    field_types,
    get,
    register,
    validate,
)
from portal.catalog.characters import UNPRINTABLE, refused_character
from portal.catalog.fieldtypes.base import FieldType
from portal.japan import jst

IDENTITY = str


def make(type_: str, label: str = "項目", **settings: Any) -> FieldDef:
    return FieldDef.model_validate({"name": "answer", "type": type_, "label": label, **settings})


def parse(field: FieldDef, *values: str, **raw: list[str]) -> Any:
    return field.field_type.parse(field, raw or {field.name: list(values)})


def refuse(field: FieldDef, *values: str, **raw: list[str]) -> FieldError:
    with pytest.raises(FieldError) as caught:
        parse(field, *values, **raw)
    return caught.value


def round_trip(field: FieldDef, value: Any) -> Any:
    return field.field_type.parse(field, field.field_type.to_raw(field, value))


# --- registry -------------------------------------------------------------------------------------------


def test_registry_knows_every_type_with_its_widget() -> None:
    assert {name: t.widget for name, t in field_types().items()} == {
        "text": "text",
        "any_script_text": "text",
        "textarea": "textarea",
        "kana": "kana",
        "date": "date",
        "file": "file",
        "number": "number",
        "select": "select",
        "radio": "radio",
        "checkboxes": "checkboxes",
        "checkbox": "checkbox",
        "email": "email",
        "phone": "phone",
        "postal_code": "postal_code",
        "address": "address",
        "item_counts": "item_counts",
        "household_members": "household_members",
        "bank_account": "bank_account",
        "group": "group",
    }


def test_unknown_type_lookup_lists_the_known_ones() -> None:
    with pytest.raises(
        KeyError, match="unknown field type 'signature'; known types: address, any_script_text, bank_account, checkbox"
    ):
        get("signature")


def test_registering_a_name_twice_is_refused() -> None:
    class Duplicate(FieldType[Any]):
        name = "text"
        widget = "text"

    with pytest.raises(ValueError, match="already registered"):
        register(Duplicate())


# --- text, textarea, address ----------------------------------------------------------------------------


def test_text_is_width_normalised_and_trimmed() -> None:
    field = make("text", "氏")
    assert parse(field, "  ＡＢＣ　１２３ ﾔﾏﾀﾞ  ") == "ABC 123 ヤマダ"


def test_text_empty_is_none() -> None:
    assert parse(make("text"), "　 ") is None


def test_text_too_long_names_the_label_and_limit() -> None:
    error = refuse(make("text", "氏", max_length=3), "山田太郎")
    assert error.message.msgid == "%(label)sは%(max)d文字以内で入力してください"
    assert str(error.message) == "氏は3文字以内で入力してください"


def test_text_default_max_length_is_100() -> None:
    field = make("text")
    assert parse(field, "あ" * 100) == "あ" * 100
    assert str(refuse(field, "あ" * 101).message) == "項目は100文字以内で入力してください"


def test_text_too_short() -> None:
    assert str(refuse(make("text", "暗証", min_length=4), "12").message) == "暗証は4文字以上で入力してください"


def test_text_pattern_applies_after_normalisation_with_custom_message() -> None:
    field = make("text", "番号", pattern="[0-9]{4}", pattern_message="%(label)sは4桁の数字で入力してください")
    assert parse(field, "１２３４") == "1234"
    error = refuse(field, "12a4")
    assert error.message.msgid == "%(label)sは4桁の数字で入力してください"
    assert str(error.message) == "番号は4桁の数字で入力してください"


def test_text_pattern_default_message() -> None:
    assert str(refuse(make("text", "番号", pattern="[0-9]+"), "abc").message) == "番号の形式が正しくありません"


def test_textarea_keeps_lines_but_normalises_each() -> None:
    field = make("textarea", "氏名")
    assert parse(field, "\r\n山田　花子\r\nﾔﾏﾀﾞ  ﾀﾛｳ\r\n\r\n") == "山田 花子\nヤマダ タロウ"
    assert field.settings.rows == 5
    assert str(refuse(make("textarea", "備考", max_length=5), "123456").message) == "備考は5文字以内で入力してください"


def test_address_turns_dashes_between_digits_into_hyphens() -> None:
    field = make("address", "住所")
    assert parse(field, "千代田区千代田１ー２－３　メゾン窓口１０１") == "千代田区千代田1-2-3 メゾン窓口101"
    assert field.settings.max_length == 200


# --- characters no person types (every type, checked before it reads its inputs) -------------------------

BIDI = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]
CONTROLS = ["\x01", "\x1b", "\x7f", "\x85", "\u200b", "\u2060", "\ufeff", "\u00ad", "\u2028", "\u2029", "\U000e0041"]
TEXT_LIKE = ["text", "textarea", "address", "kana", "email", "phone", "postal_code", "number"]


@pytest.mark.parametrize("type_", TEXT_LIKE)
@pytest.mark.parametrize("char", BIDI)
def test_bidi_controls_are_refused_by_name_in_every_text_like_field(type_: str, char: str) -> None:
    error = refuse(make(type_, "氏"), f"山田{char}太郎")
    assert (
        error.message.msgid == "%(label)sに文字の表示順を変える制御文字（%(code)s）が含まれています。削除してください"
    )
    assert (
        str(error.message) == f"氏に文字の表示順を変える制御文字（U+{ord(char):04X}）が含まれています。削除してください"
    )


@pytest.mark.parametrize("type_", TEXT_LIKE)
@pytest.mark.parametrize("char", CONTROLS)
def test_other_control_and_format_characters_are_refused(type_: str, char: str) -> None:
    error = refuse(make(type_, "氏"), f"山田{char}")
    assert str(error.message) == f"氏に入力できない制御文字（U+{ord(char):04X}）が含まれています。削除してください"


@pytest.mark.parametrize("type_", ["text", "address", "kana", "email", "phone", "number"])
@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_line_breaks_only_in_a_textarea(type_: str, newline: str) -> None:
    assert (
        str(refuse(make(type_, "氏"), f"山田{newline}太郎").message)
        == "氏には改行を入力できません。1行で入力してください"
    )
    assert parse(make("textarea", "備考"), f"山田{newline}太郎") == "山田\n太郎"


def test_an_invisible_character_alone_is_not_an_empty_answer() -> None:
    assert (
        str(refuse(make("text", "氏"), "\u200b").message)
        == "氏に入力できない制御文字（U+200B）が含まれています。削除してください"
    )


def test_every_input_of_a_type_is_checked() -> None:
    date = make("date", "生年月日")
    error = refuse(date, **date_raw("showa\u202e", "60", "4", "12"))
    assert str(error.message) == "生年月日に文字の表示順を変える制御文字（U+202E）が含まれています。削除してください"
    counts = make("item_counts", "品目", items=ITEMS)
    assert "U+0007" in str(refuse(counts, **{"answer-sofa": ["1"], "answer-desk": ["\x072"]}).message)
    assert "U+202E" in str(refuse(make("checkboxes", "種類", options=OPTIONS), "self", "\u202e").message)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("\u845b\U000e0100\u57ce", "\u845b\U000e0100\u57ce"),  # 葛󠄀城: an ideographic variation selector (IVS)
        ("\u8fbb\U000e0102", "\u8fbb\U000e0102"),  # 辻󠄂 and 辻󠄃: one dot and two, as IPAmj明朝 prints them
        ("\u8fbb\U000e0103", "\u8fbb\U000e0103"),
        ("\U00020bb7田 髙﨑", "\U00020bb7田 髙﨑"),  # 𠮷, 髙, 﨑: outside JIS X 0208, in the MJ character set
        ("山田\u200d\u200c花子", "山田\u200d\u200c花子"),  # the joiners (needed by some scripts) print nothing
        ("山田\t太郎", "山田 太郎"),  # a tab is whitespace like any other
        ("山田\u2009太郎", "山田 太郎"),  # so is a thin space no certificate font has
    ],
)
def test_what_real_names_need_stays_valid(typed: str, stored: str) -> None:
    assert parse(make("text", "氏"), typed) == stored


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("\u8fbb\ufe00", "U+8FBB U+FE00「\u8fbb\ufe00」"),  # 辻︀: a variation the certificate fonts lack
        ("山田\ufe00", "U+7530 U+FE00「\u7530\ufe00」"),
        ("\U000e0100山田", "U+E0100「\U000e0100」"),  # a selector with no character to vary
        ("\ue000\u7530", "U+E000「\ue000」"),  # 外字 in the private use area, a glyph no shared font has
        ("\U0001f468\u200d\U0001f469", "U+1F468「\U0001f468」"),  # emoji
        ("\u0645\u06cc\u200c\u0631\u0648\u0645", "U+0645「\u0645」"),  # Arabic script: 住民票 spell it in Latin letters
    ],
)
@pytest.mark.parametrize("type_", ["text", "textarea", "address"])
def test_free_text_the_certificate_fonts_cannot_print_is_refused_naming_the_character(
    type_: str, typed: str, named: str
) -> None:
    """The control-character rule lets these through; no certificate font has them, so they would print as a box."""
    assert refused_character(typed, multiline=False) is None
    error = refuse(make(type_, "氏"), typed)
    assert error.message.msgid == UNPRINTABLE
    assert str(error.message) == f"氏に証明書に印字できない文字（{named}）が含まれています。別の字体で入力してください"


# --- kana -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("やまだ", "ヤマダ"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("ヤマダ", "ヤマダ"),
        ("ゆーこ", "ユーコ"),
        ("ﾏﾘｰ ｱﾝ", "マリー\u3000アン"),
        ("  まり　 あん ", "マリ\u3000アン"),
        ("ゔぁいおりん", "ヴァイオリン"),
    ],
)
def test_kana_normalises_to_full_width_katakana(typed: str, stored: str) -> None:
    assert parse(make("kana", "氏（フリガナ）"), typed) == stored


@pytest.mark.parametrize("typed", ["山田", "Yamada", "ヤマダ1", "ヤマダ・タロウ"])
def test_kana_refuses_anything_but_katakana(typed: str) -> None:
    error = refuse(make("kana", "フリガナ"), typed)
    assert error.message.msgid == "%(label)sは全角カタカナで入力してください"
    assert str(error.message) == "フリガナは全角カタカナで入力してください"


# --- date -----------------------------------------------------------------------------------------------


def date_raw(era: str, year: str, month: str, day: str) -> dict[str, list[str]]:
    return {"answer-era": [era], "answer-year": [year], "answer-month": [month], "answer-day": [day]}


def test_date_reads_four_inputs() -> None:
    field = make("date")
    assert field.field_type.input_names(field) == ("answer-era", "answer-year", "answer-month", "answer-day")


@pytest.mark.parametrize(
    ("era", "year", "month", "day", "iso"),
    [
        ("reiwa", "6", "4", "1", "2024-04-01"),
        ("reiwa", "1", "5", "1", "2019-05-01"),
        ("heisei", "31", "4", "30", "2019-04-30"),
        ("showa", "64", "1", "7", "1989-01-07"),
        ("heisei", "１", "１", "８", "1989-01-08"),
        ("seireki", "2024", "2", "29", "2024-02-29"),
    ],
)
def test_date_is_stored_iso(era: str, year: str, month: str, day: str, iso: str) -> None:
    assert make("date").field_type.parse(make("date"), date_raw(era, year, month, day)) == iso


@pytest.mark.parametrize(
    ("raw", "msgid", "text"),
    [
        (
            date_raw("heisei", "32", "1", "1"),
            "%(label)sの%(era)sは%(date)sまでです",
            "生年月日の平成は平成31年4月30日までです",
        ),
        (
            date_raw("reiwa", "1", "4", "30"),
            "%(label)sの%(era)sは%(date)sからです",
            "生年月日の令和は令和元年5月1日からです",
        ),
        (
            date_raw("reiwa", "0", "6", "1"),
            "%(label)sの%(era)sは%(date)sからです",
            "生年月日の令和は令和元年5月1日からです",
        ),
        (
            date_raw("reiwa", "6", "2", "30"),
            "%(label)sに存在しない日付が入力されています",
            "生年月日に存在しない日付が入力されています",
        ),
        (
            date_raw("seireki", "99999999999999999999", "1", "1"),
            "%(label)sの数字が長すぎます。%(max)d桁以内で入力してください",
            "生年月日の数字が長すぎます。4桁以内で入力してください",
        ),
        (
            date_raw("reiwa", "99999999999999999999", "1", "1"),
            "%(label)sの数字が長すぎます。%(max)d桁以内で入力してください",
            "生年月日の数字が長すぎます。4桁以内で入力してください",
        ),
        (
            date_raw("seireki", "2023", "2", "29"),
            "%(label)sに存在しない日付が入力されています",
            "生年月日に存在しない日付が入力されています",
        ),
        (
            date_raw("reiwa", "6", "", "1"),
            "%(label)sの年・月・日をすべて入力してください",
            "生年月日の年・月・日をすべて入力してください",
        ),
        (
            date_raw("reiwa", "六", "1", "1"),
            "%(label)sの年・月・日は数字で入力してください",
            "生年月日の年・月・日は数字で入力してください",
        ),
        (date_raw("kouka", "1", "1", "1"), "%(label)sの元号を選択してください", "生年月日の元号を選択してください"),
        (
            date_raw("seireki", "1800", "1", "1"),
            "%(label)sは%(date)s以降の日付を入力してください",
            "生年月日は明治元年1月25日以降の日付を入力してください",
        ),
    ],
)
def test_date_impossible_days_are_explained(raw: dict[str, list[str]], msgid: str, text: str) -> None:
    error = refuse(make("date", "生年月日"), **raw)
    assert error.message.msgid == msgid
    assert str(error.message) == text


def test_date_without_era_reads_a_four_digit_year_as_seireki() -> None:
    assert parse(make("date"), **date_raw("", "1985", "4", "12")) == "1985-04-12"
    assert refuse(make("date", "生年月日"), **date_raw("", "60", "4", "12")).message.msgid == (
        "%(label)sの元号を選択してください"
    )


def test_date_with_only_an_era_selected_is_empty() -> None:
    assert parse(make("date"), **date_raw("reiwa", "", " ", "")) is None


def test_date_bounds_accept_today_and_iso_dates() -> None:
    today = jst.today()
    past_only = make("date", "生年月日", max="today")
    assert round_trip(past_only, today.isoformat()) == today.isoformat()
    error = refuse(past_only, **past_only.field_type.to_raw(past_only, (today + timedelta(days=1)).isoformat()))
    assert error.message.msgid == "%(label)sは%(date)s以前の日付を入力してください"
    since = make("date", "希望日", min="2024-04-01")
    assert (
        str(refuse(since, **date_raw("reiwa", "6", "3", "31")).message)
        == "希望日は令和6年4月1日以降の日付を入力してください"
    )


def test_date_bound_must_be_a_date_today_or_an_offset() -> None:
    """The forms and their edge cases are tested with portal.catalog.datebound; here, that the type uses it."""
    with pytest.raises(ValueError, match="'yesterday' は日付の範囲として読めません。2024-04-01 のような日付、today"):
        make("date", min="yesterday")
    with pytest.raises(ValueError, match="日付の範囲として読めません"):
        make("date", max=datetime(2024, 4, 1, 10, 0))  # YAML reads "2024-04-01 10:00" as a datetime
    assert make("date", min="-1y", max="+30d").settings.model_dump(mode="json") == {"min": "-1y", "max": "+30d"}


@pytest.mark.parametrize(
    ("iso", "era", "year", "shown"),
    [
        ("2019-04-30", "heisei", "31", "平成31年（2019年）4月30日"),
        ("2019-05-01", "reiwa", "1", "令和元年（2019年）5月1日"),
        ("2024-04-01", "reiwa", "6", "令和6年（2024年）4月1日"),
        ("1989-01-07", "showa", "64", "昭和64年（1989年）1月7日"),
    ],
)
def test_date_round_trips_through_wareki_inputs(iso: str, era: str, year: str, shown: str) -> None:
    field = make("date")
    raw = field.field_type.to_raw(field, iso)
    assert raw["answer-era"] == [era] and raw["answer-year"] == [year]
    assert field.field_type.parse(field, raw) == iso
    assert field.field_type.display(field, iso, IDENTITY) == shown


# --- number ---------------------------------------------------------------------------------------------


def test_number_accepts_full_width_digits_and_commas() -> None:
    field = make("number", min=1, max=2000)
    assert parse(field, "１，０００") == 1000
    assert parse(field, " 3 ") == 3
    assert round_trip(field, 7) == 7


@pytest.mark.parametrize(
    ("settings", "typed", "text"),
    [
        ({"min": 1, "max": 10}, "11", "通数は1から10までの数を入力してください"),
        ({"min": 1, "max": 10}, "0", "通数は1から10までの数を入力してください"),
        ({"min": 1}, "-2", "通数は1以上の数を入力してください"),
        ({"max": 10}, "12", "通数は10以下の数を入力してください"),
        ({}, "1.5", "通数は数字で入力してください"),
        ({}, "三", "通数は数字で入力してください"),
    ],
)
def test_number_refusals(settings: dict[str, int], typed: str, text: str) -> None:
    assert str(refuse(make("number", "通数", **settings), typed).message) == text


@pytest.mark.parametrize("typed", ["9" * 16, "1" * 5000, "-" + "1" * 5000, "１" * 4301, "0" * 16 + "1", "1," * 3000])
def test_number_length_is_checked_before_conversion(typed: str) -> None:
    error = refuse(make("number", "通数"), typed)
    assert error.message.msgid == "%(label)sの数字が長すぎます。%(max)d桁以内で入力してください"
    assert str(error.message) == "通数の数字が長すぎます。15桁以内で入力してください"


def test_number_of_fifteen_digits_is_a_number() -> None:
    assert parse(make("number"), "9" * 15) == 999_999_999_999_999


def test_number_bounds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="min is greater than max"):
        make("number", min=5, max=1)


# --- select, radio, checkboxes, checkbox ----------------------------------------------------------------

OPTIONS = [{"value": "self", "label": "本人のみ"}, {"value": "household", "label": "世帯全員"}]


@pytest.mark.parametrize("type_", ["select", "radio"])
def test_single_choice(type_: str) -> None:
    field = make(type_, "必要な方", options=OPTIONS)
    assert parse(field, "household") == "household"
    assert field.field_type.display(field, "household", lambda s: {"世帯全員": "Whole household"}.get(s, s)) == (
        "Whole household"
    )
    error = refuse(field, "everyone")
    assert error.message.msgid == "%(label)sは選択肢から選んでください"
    assert str(error.message) == "必要な方は選択肢から選んでください"
    assert field.field_type.required_msgid == "%(label)sを選択してください"


def test_choice_definitions_need_unique_options() -> None:
    with pytest.raises(ValueError, match="duplicate option value 'self'"):
        make("select", options=[*OPTIONS, {"value": "self", "label": "重複"}])
    with pytest.raises(ValueError, match="options"):
        make("radio", options=[])


def test_checkboxes_keep_option_order_and_check_minimum() -> None:
    field = make(
        "checkboxes",
        "記載事項",
        options=[{"value": "honseki", "label": "本籍"}, {"value": "relationship", "label": "続柄"}],
        min_selected=2,
    )
    assert parse(field, "relationship", "honseki") == ["honseki", "relationship"]
    assert field.field_type.display(field, ["honseki", "relationship"], IDENTITY) == "本籍、続柄"
    assert str(refuse(field, "honseki").message) == "記載事項は2個以上選択してください"
    assert str(refuse(field, "honseki", "mynumber").message) == "記載事項は選択肢から選んでください"
    assert round_trip(field, ["honseki", "relationship"]) == ["honseki", "relationship"]


def test_checkbox_is_a_single_consent() -> None:
    field = make("checkbox", "注意事項に同意する")
    assert parse(field, "on") is True
    assert parse(field) is None
    assert round_trip(field, True) is True
    assert field.field_type.display(field, True, IDENTITY) == "はい"
    assert field.field_type.display(field, None, IDENTITY) == "いいえ"
    assert field.field_type.required_msgid == "%(label)sにチェックを入れてください"


# --- email, phone, postal code --------------------------------------------------------------------------


def test_email_is_normalised_without_dns() -> None:
    field = make("email", "メールアドレス")
    assert parse(field, "ｔａｒｏ＠Example.JP") == "taro@example.jp"
    error = refuse(field, "taro@")
    assert error.message.msgid == "%(label)sはメールアドレスの形式で入力してください"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("03-1234-5678", "03-1234-5678"),
        ("０３－１２３４－５６７８", "03-1234-5678"),
        ("090ー1234ー5678", "090-1234-5678"),
        ("0312345678", "0312345678"),
    ],
)
def test_phone_is_kept_as_typed_in_half_width(typed: str, stored: str) -> None:
    assert parse(make("phone"), typed) == stored


@pytest.mark.parametrize("typed", ["03-1234", "12345", "03-1234-5678 内線1", "abc"])
def test_phone_refuses_invalid_numbers(typed: str) -> None:
    error = refuse(make("phone", "日中連絡先"), typed)
    assert str(error.message) == "日中連絡先は市外局番から正しい電話番号を入力してください"


@pytest.mark.parametrize("typed", ["1000001", "100-0001", "〒１００－０００１", "〒 100ー0001"])
def test_postal_code_is_stored_as_seven_digits(typed: str) -> None:
    field = make("postal_code")
    assert parse(field, typed) == "1000001"
    assert field.field_type.display(field, "1000001", IDENTITY) == "〒100-0001"


@pytest.mark.parametrize("typed", ["100001", "10000011", "100-00-01", "abcdefg"])
def test_postal_code_refuses_malformed_codes(typed: str) -> None:
    error = refuse(make("postal_code", "郵便番号"), typed)
    assert str(error.message) == "郵便番号は7桁の数字で入力してください"


# --- item counts ----------------------------------------------------------------------------------------

ITEMS = [{"value": "sofa", "label": "ソファ"}, {"value": "bed", "label": "ベッド"}, {"value": "desk", "label": "机"}]


def test_item_counts_drop_zeros_and_read_one_input_per_item() -> None:
    field = make("item_counts", "品目", items=ITEMS, max_each=5)
    assert field.field_type.input_names(field) == ("answer-sofa", "answer-bed", "answer-desk")
    value = parse(field, **{"answer-sofa": ["１"], "answer-bed": ["0"], "answer-desk": ["2"]})
    assert value == {"sofa": 1, "desk": 2}
    assert round_trip(field, value) == value
    assert field.field_type.display(field, value, IDENTITY) == "ソファ 1点、机 2点"


def test_item_counts_all_zero_is_empty() -> None:
    field = make("item_counts", "品目", items=ITEMS)
    assert field.field_type.is_empty(field, {"answer-sofa": ["0"], "answer-bed": [""]})
    assert field.field_type.required_msgid == "%(label)sを1つ以上入力してください"


@pytest.mark.parametrize("typed", ["6", "-1", "たくさん"])
def test_item_counts_out_of_range_names_the_item(typed: str) -> None:
    field = make("item_counts", "品目", items=ITEMS, max_each=5)
    error = refuse(field, **{"answer-sofa": ["1"], "answer-bed": [typed]})
    assert error.message.msgid == "%(label)sの「%(item)s」は0から%(max)dまでの数を入力してください"
    assert str(error.message) == "品目の「ベッド」は0から5までの数を入力してください"


def test_item_counts_length_is_checked_before_conversion() -> None:
    field = make("item_counts", "品目", items=ITEMS)
    for raw in ({"answer-sofa": ["1"], "answer-bed": ["1" * 5000]}, {"answer-desk": ["0" * 5000]}):
        assert str(refuse(field, **raw).message) == "品目の数字が長すぎます。15桁以内で入力してください"


@pytest.mark.parametrize("part", ["year", "month", "day"])
def test_date_parts_are_length_checked_before_conversion(part: str) -> None:
    raw = date_raw("seireki", "1985", "4", "12")
    raw[f"answer-{part}"] = ["1" * 5000]
    assert (
        str(refuse(make("date", "生年月日"), **raw).message) == "生年月日の数字が長すぎます。4桁以内で入力してください"
    )


# --- file -----------------------------------------------------------------------------------------------


def attachment(number: int, name: str = "写真.jpg", media_type: str = "image/jpeg", size: int = 1000) -> dict[str, Any]:
    return {"key": f"{number:032x}", "name": name, "media_type": media_type, "size": size, "sha256": f"{number:064x}"}


def file_field(**settings: Any) -> FieldDef:
    return make("file", "被害の写真", **{"accept": ["jpeg", "png"], **settings})


def test_file_settings_read_sizes_and_give_the_upload_rules() -> None:
    field = file_field(max_size="2MB", max_count=3)
    rules = field.field_type.rules(field)
    assert (set(rules.accept), rules.max_bytes) == ({FileKind.JPEG, FileKind.PNG}, 2_000_000)
    defaults = make("file", "書類", accept=["pdf"])
    assert (defaults.settings.max_size, defaults.settings.max_count) == (5_000_000, 1)
    assert make("file", "書類", accept=["pdf"], max_size=300_000).settings.max_size == 300_000
    assert make("file", "書類", accept=["pdf"], max_size="1.5 MB").settings.max_size == 1_500_000


def test_file_answers_are_references_shown_by_name() -> None:
    field = file_field(max_count=3)
    value = [attachment(1, "家の前.jpg"), attachment(2, "屋根.png", "image/png")]
    raw = field.field_type.to_raw(field, value)
    assert round_trip(field, value) == value
    assert parse(field, *raw["answer"], raw["answer"][0]) == value  # the same file twice counts once
    assert field.field_type.display(field, value, IDENTITY) == "家の前.jpg、屋根.png"
    assert (
        field.field_type.is_empty(field, {})
        and field.field_type.required_msgid == "%(label)sのファイルを添付してください"
    )


def test_more_files_than_allowed_are_refused() -> None:
    field = file_field(max_count=2)
    raw = field.field_type.to_raw(field, [attachment(1), attachment(2), attachment(3)])
    assert str(refuse(field, *raw["answer"]).message) == "被害の写真は2個まで添付できます"


def test_a_reference_of_a_kind_the_field_does_not_accept_is_refused() -> None:
    field = file_field()
    error = refuse(field, *field.field_type.to_raw(field, [attachment(1, "申請書.pdf", "application/pdf")])["answer"])
    assert str(error.message) == "被害の写真の添付ファイル「申請書.pdf」は受け付けられません"


def test_a_re_encoded_image_may_be_stored_larger_than_the_upload_limit() -> None:
    field = file_field(max_size="1MB")
    grown = [attachment(1, size=1_200_000)]
    assert round_trip(field, grown) == grown


@pytest.mark.parametrize(
    "typed",
    ["not json", "[]", '{"key": "x"}', json.dumps({**attachment(1), "key": "../../etc/passwd"})],
)
def test_a_damaged_reference_is_refused(typed: str) -> None:
    assert (
        str(refuse(file_field(), typed).message) == "被害の写真の添付ファイルを確認できません。もう一度選んでください"
    )


def test_a_required_file_field_left_empty_asks_for_a_file() -> None:
    definition = ProcedureDefinition.model_validate(
        {
            "slug": "risai",
            "version": "v",
            "title": "罹災証明書",
            "summary": "s",
            "description": "d",
            "fee": 0,
            "processing_days": 1,
            "workflow": "simple",
            "pages": [
                {
                    "key": "main",
                    "title": "写真",
                    "fields": [{"name": "photos", "type": "file", "label": "被害の写真", "accept": ["jpeg"]}],
                }
            ],
        }
    )
    assert str(validate(definition, {}).errors["photos"]) == "被害の写真のファイルを添付してください"
    ref = attachment(7, "被害.jpg")
    result = validate(definition, {"photos": [json.dumps(ref)]})
    assert result.values == {"photos": [ref]}
    assert display_answers(definition, result.values, IDENTITY) == [("写真", [("被害の写真", "被害.jpg")])]


def test_labels_inside_messages_are_translated_too() -> None:
    error = refuse(make("item_counts", "品目", items=ITEMS), **{"answer-bed": ["99"]})
    english = {
        "品目": "Items",
        "ベッド": "Bed",
        "%(label)sの「%(item)s」は0から%(max)dまでの数を入力してください": "%(item)s in %(label)s: 0 to %(max)d",
    }
    assert error.message.render(lambda s: english.get(s, s)) == "Bed in Items: 0 to 10"
