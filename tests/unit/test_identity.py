"""Claims from real providers vary in shape; the portal must normalise every shape the same way."""

from __future__ import annotations

from typing import Any

import pytest

from portal.identity import (
    ClaimsError,
    ResidentProfile,
    resident_profile_from_claims,
    staff_identity_from_claims,
)
from portal.roles import Role


def profile(**claims: Any) -> ResidentProfile:
    return resident_profile_from_claims({"sub": "resident-1", **claims})


@pytest.mark.parametrize(
    ("name", "family", "given"),
    [
        ("山田　太郎", "山田", "太郎"),  # full-width space
        ("山田 太郎", "山田", "太郎"),  # half-width space
        ("GARCIA Maria", "GARCIA", "Maria"),
        ("山田　 太郎", "山田", "太郎"),  # a mixed run of spaces is one separator
        (" 山田　太郎 ", "山田", "太郎"),  # surrounding spaces are not separators
        ("GARCIA Maria José", "GARCIA", "Maria José"),  # only the first run splits
    ],
)
def test_name_splits_on_first_run_of_spaces(name: str, family: str, given: str) -> None:
    result = profile(name=name)
    assert (result.family_name, result.given_name, result.name_needs_split) == (family, given, False)


def test_name_without_separator_is_left_for_the_resident_to_split() -> None:
    result = profile(name="佐藤花子")
    assert (result.family_name, result.given_name, result.name_needs_split) == ("佐藤花子", "", True)


@pytest.mark.parametrize(
    ("kana", "family", "given"),
    [
        ("ヤマダ　タロウ", "ヤマダ", "タロウ"),
        ("やまだ たろう", "ヤマダ", "タロウ"),  # hiragana
        ("ｶﾞﾙｼｱ ﾏﾘｱ", "ガルシア", "マリア"),  # half-width kana with voiced marks
        ("ﾊﾟｰｸ ｼﾞｮﾝ", "パーク", "ジョン"),  # half-width semi-voiced mark and long vowel
    ],
)
def test_kana_is_split_and_normalised_to_full_width_katakana(kana: str, family: str, given: str) -> None:
    result = profile(name="氏 名", **{"name#ja-Kana-JP": kana})
    assert (result.family_name_kana, result.given_name_kana) == (family, given)
    assert not result.name_needs_split


def test_kana_without_separator_needs_split_even_when_the_name_has_one() -> None:
    result = profile(name="佐藤　花子", **{"name#ja-Kana-JP": "さとうはなこ"})
    assert (result.family_name_kana, result.given_name_kana) == ("サトウハナコ", "")
    assert result.name_needs_split


def test_address_object_uses_formatted_and_postal_code() -> None:
    result = profile(
        address={
            "formatted": "東京都千代田区千代田1-1",
            "postal_code": "100-0001",
            "region": "東京都",
            "locality": "千代田区",
            "street_address": "千代田1-1",
            "country": "JP",
        }
    )
    assert (result.address, result.postal_code) == ("東京都千代田区千代田1-1", "1000001")


def test_address_object_without_formatted_is_assembled_from_parts() -> None:
    result = profile(address={"region": "東京都", "locality": "新宿区", "street_address": "西新宿2-8-1"})
    assert (result.address, result.postal_code) == ("東京都新宿区西新宿2-8-1", "")


def test_address_string_is_kept_without_postal_code() -> None:
    result = profile(address="東京都千代田区丸の内1-9-1")
    assert (result.address, result.postal_code) == ("東京都千代田区丸の内1-9-1", "")


@pytest.mark.parametrize(
    ("postal_code", "expected"),
    [
        ("1638001", "1638001"),
        ("163-8001", "1638001"),
        ("１６３－８００１", "1638001"),  # full-width digits and hyphen
        ("163ー8001", "1638001"),  # katakana long-vowel mark typed as a hyphen
        ("163-800", ""),  # too short
        ("SW1A 1AA", ""),  # not Japanese
        (1638001, ""),  # not a string
    ],
)
def test_postal_code_is_seven_half_width_digits_or_nothing(postal_code: Any, expected: str) -> None:
    assert profile(address={"formatted": "住所", "postal_code": postal_code}).postal_code == expected


@pytest.mark.parametrize("address", [None, 42, ["東京都"], {"country": "JP"}])
def test_unusable_address_becomes_empty(address: Any) -> None:
    assert (profile(address=address).address, profile(address=address).postal_code) == ("", "")


@pytest.mark.parametrize(
    ("birthdate", "expected"),
    [
        ("1985-04-12", "1985-04-12"),
        ("1985-02-30", ""),  # no such day
        ("0000-04-12", ""),  # OIDC "year withheld" form
        ("1985", ""),  # year only
        ("19850412", ""),  # basic format is not what the portal stores
        ("昭和60年4月12日", ""),
        (19850412, ""),
    ],
)
def test_birthdate_kept_only_when_a_valid_iso_date(birthdate: Any, expected: str) -> None:
    assert profile(birthdate=birthdate).birthdate == expected


def test_gender_is_kept_as_sent() -> None:
    assert profile(gender="female").gender == "female"


def test_missing_and_malformed_claims_become_empty_without_crashing() -> None:
    result = resident_profile_from_claims({"name": 3, "name#ja-Kana-JP": None, "gender": ["x"]})
    assert result == ResidentProfile(subject="")


def test_prefill_values_contain_only_what_the_provider_sent() -> None:
    result = profile(name="山田　太郎", birthdate="1985-04-12")
    assert result.prefill_values() == {"family_name": "山田", "given_name": "太郎", "birthdate": "1985-04-12"}


STAFF_CLAIMS: dict[str, Any] = {
    "sub": "staff-mihon-both",
    "name": "兼務 三郎",
    "email": "both@mihon.example.jp",
    "roles": ["clerk", "approver"],
    "municipality": "999997",
}


def test_staff_identity_from_claims() -> None:
    identity = staff_identity_from_claims(STAFF_CLAIMS)
    assert identity.subject == "staff-mihon-both"
    assert identity.name == "兼務 三郎"
    assert identity.email == "both@mihon.example.jp"
    assert identity.municipality_code == "999997"
    assert identity.roles == frozenset({Role.CLERK, Role.APPROVER})


def test_unknown_roles_are_ignored() -> None:
    identity = staff_identity_from_claims({**STAFF_CLAIMS, "roles": ["admin", "payroll", "applicant", 7]})
    assert identity.roles == frozenset({Role.ADMIN})


def test_a_single_role_may_be_sent_as_a_string() -> None:
    assert staff_identity_from_claims({**STAFF_CLAIMS, "roles": "approver"}).roles == frozenset({Role.APPROVER})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sub": None}, "利用者識別子（sub）がありません"),
        ({"sub": ""}, "利用者識別子（sub）がありません"),
        ({"municipality": None}, "地方公共団体コード（municipality）がありません"),
        ({"municipality": "999998"}, "地方公共団体コード「999998」が正しくありません"),  # check digit
        ({"municipality": "99997"}, "地方公共団体コード「99997」が正しくありません"),
        ({"municipality": 999997}, "地方公共団体コード（municipality）がありません"),  # not a string
        ({"roles": None}, "有効な役割（roles）がありません"),
        ({"roles": []}, "有効な役割（roles）がありません"),
        ({"roles": ["payroll", "applicant"]}, "有効な役割（roles）がありません"),
    ],
)
def test_staff_claims_errors(changes: dict[str, Any], message: str) -> None:
    claims = {key: value for key, value in {**STAFF_CLAIMS, **changes}.items() if value is not None}
    with pytest.raises(ClaimsError, match=message):
        staff_identity_from_claims(claims)


def test_claims_error_carries_a_translatable_message() -> None:
    with pytest.raises(ClaimsError) as caught:
        staff_identity_from_claims({**STAFF_CLAIMS, "municipality": "131017"})
    assert caught.value.message.msgid == "地方公共団体コード「%(code)s」が正しくありません。"
    assert caught.value.message.render(lambda msgid: "Invalid code %(code)s") == "Invalid code 131017"
