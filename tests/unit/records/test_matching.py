"""Matching a login to the 住民記録 by 基本4情報: spellings agree, and only a unique match links."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from portal.devidp import demo_users
from portal.identity import ResidentProfile, resident_profile_from_claims
from portal.records.matching import BasicInfo, Outcome, address_key, basic_info, match, matches, name_key
from portal.records.model import Address, Gender, Name
from tests.unit.records.people import YAMADA

QUERY = BasicInfo("山田 太郎", date(1985, 4, 12), Gender.MALE, "東京都千代田区千代田1-1")


def claims_of(sub: str) -> ResidentProfile:
    user = next(user for user in demo_users() if user.sub == sub)
    return resident_profile_from_claims(user.claims_for("openid name address birthdate gender"))


@pytest.mark.parametrize("spelling", ["山田　太郎", "山田太郎", " 山田  太郎 ", "山田 太郎"])
def test_name_spellings_agree(spelling: str) -> None:
    assert name_key(spelling) == name_key("山田 太郎")


def test_latin_names_ignore_case_and_width() -> None:
    assert name_key("GARCIA Maria") == name_key("GARCIA MARIA") == name_key("ＧＡＲＣＩＡ　ＭＡＲＩＡ")
    assert name_key("GARCIA Mario") != name_key("GARCIA MARIA")


@pytest.mark.parametrize(
    ("registered", "substitute"), [("𠮷田 一郎", "吉田 一郎"), ("髙橋 誠", "高橋 誠"), ("山﨑 陽子", "山崎 陽子")]
)
def test_a_jis_x_0208_substitute_matches_the_registered_character(registered: str, substitute: str) -> None:
    assert name_key(registered) == name_key(substitute)


def test_different_names_do_not_agree() -> None:
    assert name_key("山田 太郎") != name_key("山田 次郎")


@pytest.mark.parametrize(
    "spelling",
    [
        "東京都千代田区千代田1-1",
        "東京都千代田区千代田１－１",
        "東京都千代田区千代田1ー1",
        "東京都千代田区千代田一丁目1番",
        "東京都千代田区千代田1丁目1番地",
        "東京都 千代田区 千代田 1-1",
    ],
)
def test_address_spellings_agree(spelling: str) -> None:
    assert address_key(spelling) == address_key("東京都千代田区千代田1-1") == "東京都千代田区千代田1-1"


@pytest.mark.parametrize(
    ("record", "claim"),
    [
        ("東京都千代田区丸の内一丁目9番1号", "東京都千代田区丸の内1-9-1"),
        ("東京都新宿区西新宿二丁目8番1号", "東京都新宿区西新宿2-8-1"),
        ("北海道札幌市中央区北一条西二丁目1番地", "北海道札幌市中央区北一条西2-1"),
        ("大阪府大阪市北区中之島一丁目3番20号", "大阪府大阪市北区中之島1-3-20"),
        ("東京都港区芝公園四丁目2番地の8", "東京都港区芝公園4-2-8"),
        ("東京都千代田区霞ヶ関三丁目1番1号", "東京都千代田区霞ケ関3-1-1"),
        ("見本県見本市中央十二丁目20番", "見本県見本市中央12-20"),
    ],
)
def test_record_addresses_agree_with_claimed_ones(record: str, claim: str) -> None:
    assert address_key(record) == address_key(claim)


def test_different_addresses_do_not_agree() -> None:
    assert address_key("東京都千代田区千代田1-1") != address_key("東京都千代田区千代田1-2")
    assert address_key("東京都千代田区千代田1-1") != address_key("東京都千代田区千代田11")


def test_basic_info_from_each_claim_shape() -> None:
    assert basic_info(claims_of("resident-yamada")) == QUERY
    sato = basic_info(claims_of("resident-sato"))  # 氏名 unsplit, address a plain string
    assert sato == BasicInfo("佐藤花子", date(1990, 12, 1), Gender.FEMALE, "東京都千代田区丸の内1-9-1")


@pytest.mark.parametrize(
    "change",
    [
        {"family_name": "", "given_name": ""},
        {"birthdate": ""},
        {"birthdate": "1985-02-30"},
        {"gender": "other"},
        {"address": ""},
    ],
)
def test_claims_missing_one_of_the_four_give_no_basic_info(change: dict[str, str]) -> None:
    assert basic_info(replace(claims_of("resident-yamada"), **change)) is None


def test_all_four_must_agree() -> None:
    assert matches(YAMADA, QUERY)
    assert not matches(YAMADA, replace(QUERY, birthdate=date(1985, 4, 13)))
    assert not matches(YAMADA, replace(QUERY, gender=Gender.FEMALE))
    assert not matches(YAMADA, replace(QUERY, name="山田 次郎"))
    assert not matches(YAMADA, replace(QUERY, address="東京都千代田区千代田1-2"))


def test_the_claimed_address_may_include_the_katagaki() -> None:
    flat = replace(YAMADA, address=Address("東京都千代田区千代田一丁目1番", "千代田ハイツ101号室"))
    assert matches(flat, QUERY)
    assert matches(flat, replace(QUERY, address="東京都千代田区千代田1-1千代田ハイツ101号室"))
    assert not matches(flat, replace(QUERY, address="東京都千代田区千代田1-1千代田ハイツ102号室"))


def test_only_a_unique_match_is_a_match() -> None:
    other = replace(YAMADA, person_id="P0099", name=Name("山田", "次郎"))
    twin = replace(YAMADA, person_id="P0100")

    found = match([other, YAMADA], QUERY)
    assert (found.outcome, found.person, found.count) == (Outcome.MATCHED, YAMADA, 1)
    assert match([other], QUERY) == match([], QUERY)
    assert (match([other], QUERY).outcome, match([other], QUERY).person) == (Outcome.NO_MATCH, None)
    ambiguous = match([YAMADA, other, twin], QUERY)
    assert (ambiguous.outcome, ambiguous.person, ambiguous.count) == (Outcome.AMBIGUOUS, None, 2)
