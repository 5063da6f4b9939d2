"""How the resident receives the result (受取方法) and pays the fee (支払方法), chosen per procedure.

A definition lists what it offers (``receipt_methods: [counter, mail, electronic]``,
``payment_methods: [counter, postal_order, online]``); the loader turns the lists into questions on a last
page of their own, so authors write two keys instead of fields: radio buttons where there is a choice,
and for 郵送 a delivery address prefilled from the resident's. Their names are reserved. A procedure that
lists nothing, or one method, asks nothing: it is received and paid at the counter, or by that method.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.fieldtypes.base import Problem
    from portal.catalog.model import Page, ProcedureDefinition


class ReceiptMethod(StrEnum):
    COUNTER = "counter"  # 窓口
    MAIL = "mail"  # 郵送
    ELECTRONIC = "electronic"  # 電子交付


class PaymentMethod(StrEnum):
    COUNTER = "counter"  # 窓口
    POSTAL_ORDER = "postal_order"  # 郵便小為替
    ONLINE = "online"  # オンライン決済


RECEIPT_LABELS = {
    ReceiptMethod.COUNTER: N_("窓口で受け取る"),
    ReceiptMethod.MAIL: N_("郵送で受け取る"),
    ReceiptMethod.ELECTRONIC: N_("電子交付（この画面からダウンロード）"),
}
PAYMENT_LABELS = {
    PaymentMethod.COUNTER: N_("窓口で支払う"),
    PaymentMethod.POSTAL_ORDER: N_("郵便小為替を同封する"),
    PaymentMethod.ONLINE: N_("オンライン決済"),
}

PAGE = "receipt_and_payment"
RECEIPT = "receipt_method"
PAYMENT = "payment_method"
DELIVERY_POSTAL_CODE = "delivery_postal_code"
DELIVERY_ADDRESS = "delivery_address"
RESERVED = (RECEIPT, PAYMENT, DELIVERY_POSTAL_CODE, DELIVERY_ADDRESS)


def problems(definition: ProcedureDefinition) -> Iterator[Problem]:
    """Names the generated questions need, and lists that make sense (paths from the definition's root)."""
    for p, page in enumerate(definition.pages):
        if page.key == PAGE:
            yield ("pages", p, "key"), f"the page key {PAGE!r} is reserved for receipt_methods and payment_methods"
        for f, field in enumerate(page.fields):
            if field.name in RESERVED:
                yield (
                    ("pages", p, "fields", f, "name"),
                    f"{field.name!r} is reserved: write receipt_methods and payment_methods instead of these fields",
                )
    for key in ("receipt_methods", "payment_methods"):
        listed = getattr(definition, key)
        for index, method in enumerate(listed):
            if method in listed[:index]:
                yield (key, index), f"{method.value!r} is listed twice"
    if definition.fee == 0 and definition.payment_methods != (PaymentMethod.COUNTER,):
        yield ("payment_methods",), "the procedure is free (fee: 0): there is nothing to pay, remove payment_methods"


def page(definition: ProcedureDefinition) -> Page | None:
    """The questions ``receipt_methods`` and ``payment_methods`` ask, or None when they ask nothing."""
    from portal.catalog.model import Page

    receipt, payment = definition.receipt_methods, definition.payment_methods
    fields: list[dict[str, Any]] = []
    if len(receipt) > 1:
        fields.append(_radio(RECEIPT, N_("受取方法"), receipt, RECEIPT_LABELS))
    if ReceiptMethod.MAIL in receipt:
        shown = {"show_if": {"field": RECEIPT, "equals": ReceiptMethod.MAIL.value}} if len(receipt) > 1 else {}
        fields += [
            {
                "name": DELIVERY_POSTAL_CODE,
                "type": "postal_code",
                "label": N_("送付先の郵便番号"),
                "prefill": "postal_code",
                "fills": DELIVERY_ADDRESS,
                **shown,
            },
            {
                "name": DELIVERY_ADDRESS,
                "type": "address",
                "label": N_("送付先の住所"),
                "help": N_("郵送先の住所です。方書（アパート名・部屋番号）まで入力してください。"),
                "prefill": "address",
                **shown,
            },
        ]
    if len(payment) > 1:
        help_text = N_("オンライン決済は、審査が終わると「申請した手続き」の画面からお支払いいただけます。")
        fields.append(
            _radio(
                PAYMENT, N_("支払方法"), payment, PAYMENT_LABELS, help_text if PaymentMethod.ONLINE in payment else None
            )
        )
    if not fields:
        return None
    return Page.model_validate(
        {
            "key": PAGE,
            "title": _title(len(receipt) > 1 or ReceiptMethod.MAIL in receipt, len(payment) > 1),
            "fields": fields,
        }
    )


def chosen(definition: ProcedureDefinition, values: Mapping[str, Any]) -> tuple[ReceiptMethod, PaymentMethod]:
    """The methods validated ``values`` chose, or the procedure's only one (the counter when it lists none)."""
    receipt = values.get(RECEIPT) or definition.receipt_methods[0]
    payment = values.get(PAYMENT) or definition.payment_methods[0]
    return ReceiptMethod(receipt), PaymentMethod(payment)


def _radio(
    name: str, label: str, methods: tuple[StrEnum, ...], labels: Mapping[Any, str], help_text: str | None = None
) -> dict[str, Any]:
    options = [{"value": method.value, "label": labels[method]} for method in methods]
    return {
        "name": name,
        "type": "radio",
        "label": label,
        "options": options,
        **({"help": help_text} if help_text else {}),
    }


def _title(receipt: bool, payment: bool) -> str:
    if receipt and payment:
        return N_("受取方法・支払方法")
    return N_("受取方法") if receipt else N_("支払方法")
