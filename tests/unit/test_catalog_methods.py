"""受取方法 and 支払方法: the questions receipt_methods and payment_methods generate, their answers and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.catalog import load_definition, prefill, validate
from portal.catalog.methods import PaymentMethod, ReceiptMethod, chosen
from tests.unit.test_catalog_loader import CATALOG, load_error

PROCEDURE = """\
title: テスト手続き
summary: 概要
description: 説明
fee: 300
processing_days: 1
workflow: simple
{methods}
pages:
  - key: main
    title: 入力
    fields:
      - name: {name}
        type: text
        label: 氏
"""


def with_methods(tmp_path: Path, methods: str, name: str = "family_name"):  # type: ignore[no-untyped-def]
    path = tmp_path / "proc.yaml"
    path.write_text(PROCEDURE.format(methods=methods, name=name), encoding="utf-8")
    return load_definition(path)


def test_juminhyo_asks_both_on_a_last_page_of_their_own() -> None:
    juminhyo = load_definition(CATALOG / "juminhyo.yaml")
    page = juminhyo.pages[-1]
    assert (page.key, page.title) == ("receipt_and_payment", "受取方法・支払方法")
    assert [(f.name, f.type) for f in page.fields] == [
        ("receipt_method", "radio"),
        ("delivery_postal_code", "postal_code"),
        ("delivery_address", "address"),
        ("payment_method", "radio"),
    ]
    receipt = juminhyo.field("receipt_method")
    assert [(o.value, o.label) for o in receipt.settings.options] == [
        ("counter", "窓口で受け取る"),
        ("mail", "郵送で受け取る"),
        ("electronic", "電子交付（この画面からダウンロード）"),
    ]
    assert [o.value for o in juminhyo.field("payment_method").settings.options] == ["counter", "postal_order", "online"]
    address = juminhyo.field("delivery_address")
    assert (address.prefill, address.required, address.show_if.field, address.show_if.equals) == (
        "address",
        True,
        "receipt_method",
        "mail",
    )
    assert juminhyo.field("delivery_postal_code").settings.fills == "delivery_address"


def juminhyo_answers(**changes: str) -> dict[str, list[str]]:
    answers = {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "birthdate-era": "showa",
        "birthdate-year": "60",
        "birthdate-month": "4",
        "birthdate-day": "12",
        "postal_code": "100-0001",
        "address": "東京都千代田区千代田1-1",
        "phone": "03-1234-5678",
        "request_by": "self",
        "scope": "self",
        "copies": "2",
        "purpose": "employment",
        "receipt_method": "counter",
        "payment_method": "online",
    }
    return {key: [value] for key, value in {**answers, **changes}.items() if value is not None}


def test_mail_asks_for_a_delivery_address_and_requires_it() -> None:
    juminhyo = load_definition(CATALOG / "juminhyo.yaml")
    by_counter = validate(juminhyo, juminhyo_answers(delivery_address="捨てられる住所"))
    assert by_counter.ok and "delivery_address" not in by_counter.values  # hidden: neither checked nor kept
    missing = validate(juminhyo, juminhyo_answers(receipt_method="mail"))
    assert str(missing.errors["delivery_address"]) == "送付先の住所を入力してください"
    by_mail = validate(
        juminhyo,
        juminhyo_answers(
            receipt_method="mail", delivery_postal_code="1500001", delivery_address="東京都渋谷区神宮前1-1"
        ),
    )
    assert by_mail.ok, by_mail.errors
    assert (by_mail.values["delivery_postal_code"], by_mail.values["delivery_address"]) == (
        "1500001",
        "東京都渋谷区神宮前1-1",
    )
    assert chosen(juminhyo, by_mail.values) == (ReceiptMethod.MAIL, PaymentMethod.ONLINE)


def test_the_delivery_address_is_prefilled_from_the_residents() -> None:
    juminhyo = load_definition(CATALOG / "juminhyo.yaml")
    values = prefill(juminhyo, {"postal_code": "1000001", "address": "東京都千代田区千代田1-1"})
    assert values["delivery_postal_code"] == "1000001" and values["delivery_address"] == "東京都千代田区千代田1-1"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("receipt_method", None, "受取方法を選択してください"),
        ("receipt_method", "fax", "受取方法は選択肢から選んでください"),
        ("payment_method", None, "支払方法を選択してください"),
        ("payment_method", "bitcoin", "支払方法は選択肢から選んでください"),
    ],
)
def test_methods_must_be_chosen_among_those_offered(field: str, value: str | None, message: str) -> None:
    result = validate(load_definition(CATALOG / "juminhyo.yaml"), juminhyo_answers(**{field: value}))
    assert str(result.errors[field]) == message


def test_nothing_declared_asks_nothing_and_means_the_counter(tmp_path: Path) -> None:
    plain = with_methods(tmp_path, "")
    assert [page.key for page in plain.pages] == ["main"]
    assert plain.receipt_methods == (ReceiptMethod.COUNTER,) and plain.payment_methods == (PaymentMethod.COUNTER,)
    assert chosen(plain, {"family_name": "山田"}) == (ReceiptMethod.COUNTER, PaymentMethod.COUNTER)


def test_one_method_is_not_asked_but_mail_still_asks_where(tmp_path: Path) -> None:
    by_mail = with_methods(tmp_path, "receipt_methods: [mail]\npayment_methods: [online]")
    page = by_mail.pages[-1]
    assert (page.title, [f.name for f in page.fields]) == ("受取方法", ["delivery_postal_code", "delivery_address"])
    assert by_mail.field("delivery_address").show_if is None
    assert chosen(by_mail, {}) == (ReceiptMethod.MAIL, PaymentMethod.ONLINE)
    only_payment = with_methods(tmp_path, "payment_methods: [counter, online]")
    assert (only_payment.pages[-1].title, [f.name for f in only_payment.pages[-1].fields]) == (
        "支払方法",
        ["payment_method"],
    )


@pytest.mark.parametrize(
    ("methods", "name", "expected"),
    [
        (
            "receipt_methods: [counter, fax]",
            "family_name",
            "proc.yaml:7: receipt_methods[1]: Input should be 'counter', 'mail' or 'electronic'",
        ),
        (
            "payment_methods: [online, online]",
            "family_name",
            "proc.yaml:7: payment_methods[1]: 'online' is listed twice",
        ),
        ("payment_methods: []", "family_name", "proc.yaml:7: payment_methods: Tuple should have at least 1 item"),
        (
            "receipt_methods: [counter, mail]",
            "delivery_address",
            "proc.yaml:12: pages[0].fields[0].name: 'delivery_address' is reserved",
        ),
        ("", "payment_method", "proc.yaml:12: pages[0].fields[0].name: 'payment_method' is reserved"),
    ],
)
def test_bad_methods_name_file_key_and_line(tmp_path: Path, methods: str, name: str, expected: str) -> None:
    assert expected in str(load_error(tmp_path, PROCEDURE.format(methods=methods, name=name)))


def test_a_free_procedure_takes_no_payment(tmp_path: Path) -> None:
    text = PROCEDURE.format(methods="payment_methods: [counter, online]", name="family_name").replace(
        "fee: 300", "fee: 0"
    )
    message = str(load_error(tmp_path, text))
    assert "proc.yaml:7: payment_methods: the procedure is free (fee: 0): there is nothing to pay" in message


def test_the_generated_page_key_is_reserved(tmp_path: Path) -> None:
    text = PROCEDURE.format(methods="", name="family_name").replace("key: main", "key: receipt_and_payment")
    assert "proc.yaml:9: pages[0].key: the page key 'receipt_and_payment' is reserved" in str(
        load_error(tmp_path, text)
    )
