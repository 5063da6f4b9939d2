"""地方公共団体コード check digits."""

from __future__ import annotations

import pytest

from portal.japan.municipality_code import check_digit, is_valid


@pytest.mark.parametrize("code", ["131016", "011002", "271004", "472018"])
def test_valid_codes(code: str) -> None:
    assert is_valid(code)
    assert check_digit(code[:5]) == int(code[5])


@pytest.mark.parametrize("code", ["131017", "011003", "13101", "1310166", "１３１０１６", "13101a"])
def test_invalid_codes(code: str) -> None:
    assert not is_valid(code)
