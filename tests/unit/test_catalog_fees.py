"""Fee expressions: flat, unit × a number answered, a price per item; the municipality's own fee; loader errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.catalog import DefinitionError, load_definition, validate
from portal.catalog.fees import PerCount, PriceTable, total, with_own_fee
from portal.models import Municipality, MunicipalityProcedure
from portal.services.tenancy import on_terms_of
from tests.unit.test_catalog_loader import CATALOG, load_error

FLAT = """\
title: テスト手続き
summary: 概要
description: 説明
fee: {fee}
processing_days: 1
workflow: simple
pages:
  - key: main
    title: 入力
    fields:
      - name: copies
        type: number
        label: 通数
        min: {min}
        max: 10
      - name: purpose
        type: text
        label: 使いみち
        required: false
      - name: items
        type: item_counts
        label: 品目
        items:
          - {{value: sofa, label: ソファ}}
          - {{value: bed, label: ベッド}}
"""


def definition(tmp_path: Path, fee: str, minimum: str = "1"):  # type: ignore[no-untyped-def]
    path = tmp_path / "proc.yaml"
    path.write_text(FLAT.format(fee=fee, min=minimum), encoding="utf-8")
    return load_definition(path)


# --- totals ---------------------------------------------------------------------------------------------


def test_shipped_juminhyo_charges_300_yen_a_copy() -> None:
    juminhyo = load_definition(CATALOG / "juminhyo.yaml")
    assert juminhyo.fee == PerCount(per="copies", unit=300)
    assert total(juminhyo, {"copies": 2}) == 600
    assert total(juminhyo, {"copies": 10}) == 3000


def test_shipped_sodai_gomi_adds_a_price_per_item() -> None:
    sodai = load_definition(CATALOG / "sodai_gomi.yaml")
    assert isinstance(sodai.fee, PriceTable)
    assert total(sodai, {"items": {"sofa": 1, "bicycle": 2}}) == 1000 + 2 * 500
    assert total(sodai, {"items": {"bed": 1, "futon": 3, "desk": 1}}) == 1500 + 3 * 300 + 1000


def test_flat_fee_whatever_the_answers(tmp_path: Path) -> None:
    flat = definition(tmp_path, "450")
    assert flat.fee == 450
    assert total(flat, {"copies": 3}) == 450 and total(flat, {}) == 450
    assert total(definition(tmp_path, "0"), {"copies": 3}) == 0


def test_totals_come_from_validated_answers(tmp_path: Path) -> None:
    per = definition(tmp_path, "{per: copies, unit: 250}")
    result = validate(per, {"copies": ["３"], "items-sofa": ["1"]})  # full-width digits, normalised first
    assert result.ok, result.errors
    assert total(per, result.values) == 750
    table = definition(tmp_path, "{items: items, prices: {sofa: 1200, bed: 800}}")
    result = validate(table, {"copies": ["1"], "items-sofa": ["2"], "items-bed": ["1"]})
    assert result.ok, result.errors
    assert total(table, result.values) == 2 * 1200 + 800


def test_an_unanswered_count_costs_nothing(tmp_path: Path) -> None:
    assert total(definition(tmp_path, "{per: copies, unit: 300}", minimum="0"), {"copies": None}) == 0
    assert total(definition(tmp_path, "{items: items, prices: {sofa: 1200, bed: 800}}"), {}) == 0


# --- a municipality's own fee ---------------------------------------------------------------------------


def offering(fee: int | None) -> Municipality:
    municipality = Municipality(code="999997", name="見本市")
    municipality.procedures = [
        MunicipalityProcedure(slug="juminhyo", fee=fee),
        MunicipalityProcedure(slug="sodai_gomi", fee=fee),
    ]
    return municipality


def test_own_fee_is_the_unit_price_of_a_fee_per_count() -> None:
    juminhyo = on_terms_of(offering(350), load_definition(CATALOG / "juminhyo.yaml"))
    assert juminhyo.fee == PerCount(per="copies", unit=350) and juminhyo.fee_note is None
    assert total(juminhyo, {"copies": 2}) == 700


def test_own_fee_replaces_a_price_table_or_a_flat_fee_with_a_flat_fee() -> None:
    sodai = on_terms_of(offering(2000), load_definition(CATALOG / "sodai_gomi.yaml"))
    assert sodai.fee == 2000
    assert total(sodai, {"items": {"sofa": 3}}) == 2000
    assert with_own_fee(300, 0) == 0


def test_no_own_fee_keeps_the_catalogs() -> None:
    catalog = load_definition(CATALOG / "juminhyo.yaml")
    assert on_terms_of(offering(None), catalog).fee == catalog.fee


# --- loader errors --------------------------------------------------------------------------------------


def fee_error(tmp_path: Path, fee: str, minimum: str = "1") -> str:
    return str(load_error(tmp_path, FLAT.format(fee=fee, min=minimum)))


@pytest.mark.parametrize(
    ("fee", "expected"),
    [
        (
            "{per: copiez, unit: 300}",
            "proc.yaml:4: fee.per: 'copiez' is not a field: the fee needs a field of type number (here: copies)",
        ),
        (
            "{per: purpose, unit: 300}",
            "proc.yaml:4: fee.per: 'purpose' is a text field: the fee needs a field of type number",
        ),
        ("{per: copies}", "proc.yaml:4: fee.unit: this key is required"),
        ("{per: copies, unit: -300}", "proc.yaml:4: fee.unit: Input should be greater than or equal to 0"),
        (
            "{per: copies, unit: 300, unti: 3}",
            "proc.yaml:4: fee.unti: 不明なキー 'unti' です。unit のことですか？ ここで使えるキー: per, unit",
        ),
        (
            "{items: copies, prices: {sofa: 1}}",
            "proc.yaml:4: fee.items: 'copies' is a number field: the fee needs a field of type item_counts (here: items)",
        ),
        ("{items: items, prices: {}}", "proc.yaml:4: fee.prices: Dictionary should have at least 1 item"),
        ("{price: 300}", "proc.yaml:4: fee: write yen (300), {per: <number field>, unit: <yen>} or {items: "),
        ("-1", "proc.yaml:4: fee: Input should be greater than or equal to 0"),
        ("true", "proc.yaml:4: fee: Input should be a valid integer"),
        ("三百円", "proc.yaml:4: fee: Input should be a valid integer"),
    ],
)
def test_bad_fee_names_file_key_and_line(tmp_path: Path, fee: str, expected: str) -> None:
    assert expected in fee_error(tmp_path, fee)


def test_every_item_needs_a_price_and_only_its_items_have_one(tmp_path: Path) -> None:
    message = fee_error(tmp_path, "{items: items, prices: {sofa: 1000, tv: 5000}}")
    assert "proc.yaml:4: fee.prices.tv: 'tv' is not an item of 'items' (items: sofa, bed)" in message
    assert "proc.yaml:4: fee.prices: no price for 'bed' (every item of 'items' needs one)" in message


def test_a_counted_number_needs_bounds_that_cannot_make_the_fee_negative(tmp_path: Path) -> None:
    message = fee_error(tmp_path, "{per: copies, unit: 300}", minimum="-1")
    assert "proc.yaml:4: fee.per: 'copies' is counted for the fee: give it min (0 or more) and max" in message
    assert definition(tmp_path, "{per: copies, unit: 300}", minimum="0").fee == PerCount(per="copies", unit=300)


def test_a_broken_fee_is_reported_on_the_line_it_is_written(tmp_path: Path) -> None:
    text = FLAT.format(fee="\n  per: copies\n  unit: 300\n  extra: 1", min="1")
    error = load_error(tmp_path, text)
    assert (error.line, error.path) == (7, ("fee", "extra"))
    with pytest.raises(DefinitionError, match=r"proc.yaml:7: fee.extra: 不明なキー"):
        load_definition(tmp_path / "proc.yaml")
