"""The bank_account field type: codes checked against the Zengin list, typing normalised, every refusal named."""

from __future__ import annotations

from typing import Any

import pytest

from portal.catalog import FieldDef, FieldError, ProcedureDefinition, display_answers, validate
from portal.japan.banks import branch_name, institution, institution_name

IDENTITY = str
GOOD = {"bank": "0001", "branch": "001", "kind": "1", "number": "1234567", "holder": "ヤマダ　タロウ"}


def account_definition(required: bool = True) -> dict[str, Any]:
    return {"name": "account", "type": "bank_account", "label": "受取口座", "required": required}


def account(required: bool = True) -> FieldDef:
    return FieldDef.model_validate(account_definition(required))


def raw(**typed: str) -> dict[str, list[str]]:
    return {f"account-{part}": [value] for part, value in {**GOOD, **typed}.items()}


def parse(**typed: str) -> Any:
    field = account()
    return field.field_type.parse(field, raw(**typed))


def refuse(**typed: str) -> tuple[str, str | None]:
    """The message, and the input it points at."""
    field = account()
    with pytest.raises(FieldError) as caught:
        field.field_type.parse(field, raw(**typed))
    return str(caught.value.message), field.field_type.error_input(field, raw(**typed))


def test_a_good_account_is_stored_as_codes() -> None:
    assert parse() == GOOD


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ({"bank": "０００１", "branch": "００１", "number": "１２３４５６７"}, {}),  # full-width digits
        ({"bank": " 0001 ", "number": "123-4567"}, {}),  # spaces around, a hyphen grouping digits
        ({"number": "1234 567"}, {}),
        ({"number": "12345"}, {"number": "0012345"}),  # shorter numbers are zero-padded as transfers write them
        ({"holder": "やまだ　たろう"}, {}),  # hiragana
        ({"holder": "ﾔﾏﾀﾞ ﾀﾛｳ"}, {}),  # half-width katakana, half-width space
        ({"holder": "  ヤマダ   タロウ "}, {}),  # runs of spaces
        ({"kind": "2"}, {"kind": "2"}),
        ({"kind": "4"}, {"kind": "4"}),
        ({"bank": "9900", "branch": "018", "number": "1234567"}, {"bank": "9900", "branch": "018"}),  # ゆうちょ銀行
    ],
)
def test_typing_is_normalised(typed: dict[str, str], stored: dict[str, str]) -> None:
    assert parse(**typed) == {**GOOD, **stored}


@pytest.mark.parametrize(
    ("typed", "message", "part"),
    [
        ({"bank": "0999"}, "受取口座の金融機関コード0999の金融機関が見つかりません", "bank"),
        ({"bank": "１"}, "受取口座の金融機関コードは4桁の数字で入力してください", "bank"),
        ({"bank": "00001"}, "受取口座の金融機関コードは4桁の数字で入力してください", "bank"),
        ({"bank": "みずほ"}, "受取口座の金融機関コードは4桁の数字で入力してください", "bank"),
        ({"bank": "²001"}, "受取口座の金融機関コードは4桁の数字で入力してください", "bank"),  # a digit, but not 0-9
        ({"bank": ""}, "受取口座の金融機関コードを入力してください", "bank"),
        ({"branch": "999"}, "受取口座の支店コード999はみずほ銀行の支店にありません", "branch"),
        ({"bank": "0005", "branch": "998"}, "受取口座の支店コード998は三菱UFJ銀行の支店にありません", "branch"),
        ({"branch": "01"}, "受取口座の支店コードは3桁の数字で入力してください", "branch"),
        ({"branch": "abc"}, "受取口座の支店コードは3桁の数字で入力してください", "branch"),
        ({"branch": ""}, "受取口座の支店コードを入力してください", "branch"),
        ({"kind": ""}, "受取口座の預金種目を選択してください", "kind"),
        ({"kind": "3"}, "受取口座の預金種目は選択肢から選んでください", "kind"),
        ({"number": ""}, "受取口座の口座番号を入力してください", "number"),
        ({"number": "12345678"}, "受取口座の口座番号は7桁以内の数字で入力してください", "number"),
        ({"number": "12a4567"}, "受取口座の口座番号は7桁以内の数字で入力してください", "number"),
        ({"number": "-"}, "受取口座の口座番号は7桁以内の数字で入力してください", "number"),
        (
            {"bank": "9900", "branch": "018", "number": "10180-12345671"},  # the passbook's 記号・番号
            "受取口座には、ゆうちょ銀行の通帳の記号・番号ではなく、振込用の店番（3桁）と口座番号（7桁）を入力してください",
            "number",
        ),
        ({"holder": ""}, "受取口座の口座名義を入力してください", "holder"),
        ({"holder": "山田太郎"}, "受取口座の口座名義は全角カタカナで入力してください", "holder"),
        ({"holder": "YAMADA TARO"}, "受取口座の口座名義は全角カタカナで入力してください", "holder"),
        ({"holder": "ア" * 31}, "受取口座の口座名義は30文字以内で入力してください", "holder"),
        (
            {"holder": "ヤマダ\u202eタロウ"},
            "受取口座に文字の表示順を変える制御文字（U+202E）が含まれています。削除してください",
            "holder",
        ),
        ({"bank": "0001\u0000"}, "受取口座に入力できない制御文字（U+0000）が含まれています。削除してください", "bank"),
    ],
)
def test_bad_input_is_refused_naming_what_is_wrong_and_where(typed: dict[str, str], message: str, part: str) -> None:
    assert refuse(**typed) == (message, f"account-{part}")


def test_the_first_problem_in_the_order_shown_is_reported() -> None:
    assert refuse(bank="0999", branch="x", number="", holder="山田")[1] == "account-bank"
    assert refuse(branch="999", kind="", holder="山田")[1] == "account-branch"
    assert refuse(kind="", number="")[1] == "account-kind"


def test_thirty_katakana_fit_a_transfer_record() -> None:
    assert parse(holder="ア" * 30)["holder"] == "ア" * 30


def test_empty_unless_something_is_typed() -> None:
    field = account(required=False)
    nothing = {f"account-{part}": [""] for part in GOOD}
    assert field.field_type.parse(field, nothing) is None
    assert field.field_type.parse(field, {}) is None
    assert field.field_type.parse(field, {**nothing, "account-kind": ["1"]}) is None  # like a date's era alone


def test_a_required_account_left_empty_asks_for_it_as_a_whole() -> None:
    field = account()
    definition = _definition()
    result = validate(definition, {"account-kind": ["1"]})
    assert (str(result.errors["account"]), result.values) == ("受取口座を入力してください", {})
    assert field.field_type.error_input(field, {}) is None  # no one input is wrong


def test_error_input_is_none_for_a_good_answer() -> None:
    field = account()
    assert field.field_type.error_input(field, raw()) is None


def test_round_trip_and_display() -> None:
    field = account()
    value = parse(number="12345")
    assert field.field_type.parse(field, field.field_type.to_raw(field, value)) == value
    assert field.field_type.to_raw(field, None) == {}
    assert field.field_type.display(field, value, IDENTITY) == "みずほ銀行 東京営業部 普通 0012345 ヤマダ　タロウ"
    assert field.field_type.display(field, None, IDENTITY) == ""
    shown = display_answers(_definition(), {"account": value}, IDENTITY)
    assert shown == [("口座", [("受取口座", "みずほ銀行 東京営業部 普通 0012345 ヤマダ　タロウ")])]


def test_display_translates_the_kind_and_keeps_codes_the_list_no_longer_has() -> None:
    field = account()
    english = {
        "当座": "Current",
        "金融機関コード%(code)s": "bank code %(code)s",
        "支店コード%(code)s": "branch %(code)s",
    }
    gone = {**GOOD, "bank": "0999", "branch": "123", "kind": "2"}
    assert field.field_type.display(field, gone, lambda s: english.get(s, s)) == (
        "bank code 0999 branch 123 Current 1234567 ヤマダ　タロウ"
    )
    closed_branch = {**GOOD, "branch": "999", "kind": "9"}
    assert (
        field.field_type.display(field, closed_branch, IDENTITY) == "みずほ銀行 支店コード999 9 1234567 ヤマダ　タロウ"
    )


def test_the_message_names_the_label_in_the_readers_language() -> None:
    field = account()
    with pytest.raises(FieldError) as caught:
        field.field_type.parse(field, raw(branch="999"))
    english = {
        "受取口座": "Bank account",
        "%(label)sの支店コード%(code)sは%(bank)sの支店にありません": "%(label)s: branch %(code)s is not a branch of %(bank)s",
    }
    assert caught.value.message.render(lambda s: english.get(s, s)) == (
        "Bank account: branch 999 is not a branch of みずほ銀行"
    )


def test_an_account_cannot_be_prefilled() -> None:
    with pytest.raises(ValueError, match="cannot be prefilled"):
        FieldDef.model_validate(
            {"name": "account", "type": "bank_account", "label": "受取口座", "prefill": "family_name"}
        )


# --- names from the Zengin list -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "listed", "read"),
    [
        ("0001", "みずほ", "みずほ銀行"),
        ("0005", "三菱UFJ", "三菱UFJ銀行"),
        ("0288", "三菱UFJ信託", "三菱UFJ信託銀行"),
        ("9900", "ゆうちょ", "ゆうちょ銀行"),
        ("0401", "シティバンク、エヌ・エイ", "シティバンク、エヌ・エイ"),  # already says バンク
        ("0200", "ワイズ・ペイメンツ・ジャパン", "ワイズ・ペイメンツ・ジャパン"),  # not a bank
        ("1001", "北海道信金", "北海道信用金庫"),
        ("2011", "北央信組", "北央信用組合"),
        ("2951", "北海道労金", "北海道労働金庫"),
        ("3058", "今金町農協", "今金町農協"),
        ("3000", "農林中金", "農林中金"),
    ],
)
def test_institutions_are_named_as_people_read_them(code: str, listed: str, read: str) -> None:
    assert institution_name(code, listed) == read


@pytest.mark.parametrize(
    ("bank", "listed", "read"),
    [
        ("0001", "東京営業部", "東京営業部"),
        ("0001", "新宿", "新宿支店"),
        ("0005", "本店", "本店"),
        ("1001", "本所", "本所"),
        ("0001", "京橋出張所", "京橋出張所"),
        ("0001", "コールセンター", "コールセンター"),
        ("0036", "ジャズ", "ジャズ支店"),
        ("9900", "〇一八", "〇一八店"),  # ゆうちょ銀行's 振込用 店名
    ],
)
def test_branches_are_named_as_people_read_them(bank: str, listed: str, read: str) -> None:
    assert branch_name(bank, listed) == read


def test_the_zengin_list_is_read_with_half_width_letters() -> None:
    mufg = institution("0005")
    assert mufg is not None and mufg.name == "三菱UFJ銀行" and mufg.branches["001"] == "本店"
    assert institution("0999") is None


def _definition() -> ProcedureDefinition:
    return ProcedureDefinition.model_validate(
        {
            "slug": "teate",
            "version": "v",
            "title": "手当",
            "summary": "s",
            "description": "d",
            "fee": 0,
            "processing_days": 1,
            "workflow": "simple",
            "pages": [{"key": "main", "title": "口座", "fields": [account_definition()]}],
        }
    )
