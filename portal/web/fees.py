"""Fees and the 受取方法 / 支払方法 as pages show them: amounts in yen, a fee's formula, a method's label."""

from __future__ import annotations

from functools import lru_cache

from babel import numbers
from flask import Flask
from flask_babel import gettext

from portal.catalog import ProcedureDefinition
from portal.catalog.fees import PerCount, PriceTable
from portal.catalog.fieldtypes.choice import SEPARATOR
from portal.catalog.methods import PAYMENT_LABELS, RECEIPT_LABELS, PaymentMethod, ReceiptMethod
from portal.languages import Language
from portal.messages import N_
from portal.models import PaymentStatus
from portal.web.i18n import current_language

PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: N_("支払待ち"),
    PaymentStatus.PAID: N_("支払済み"),
    PaymentStatus.CANCELLED: N_("キャンセル"),
}


def yen(amount: int) -> str:
    """1,000円 in Japanese and やさしい日本語, as Japanese offices write amounts; the reader's own currency format of
    yen elsewhere (¥1,000, 1.000 ¥, JP¥ 1.000)."""
    return _yen(amount, current_language())


@lru_cache(maxsize=4096)
def _yen(amount: int, language: Language) -> str:
    """Kept: Babel reads the locale's number pattern anew for every amount it formats, and a page shows several."""
    if language.japanese:
        return f"{numbers.format_decimal(amount, locale=language.formats)}円"
    return numbers.format_currency(amount, "JPY", locale=language.formats)


def fee_formula(definition: ProcedureDefinition) -> str:
    """How the fee is reckoned: 「300円」, 「無料」, 「300円 × 必要な通数」, 「品目ごと（ソファ 1,000円、…）」."""
    fee = definition.fee
    if isinstance(fee, PerCount) and not fee.unit:  # a municipality's own fee of 0: free, however many
        return gettext("無料")
    if isinstance(fee, PerCount):
        return gettext("%(unit)s × %(label)s", unit=yen(fee.unit), label=gettext(definition.field(fee.per).label))
    if isinstance(fee, PriceTable):
        options = getattr(definition.field(fee.items).settings, "items", ())
        prices = gettext(SEPARATOR).join(
            gettext("%(item)s %(price)s", item=gettext(item.label), price=yen(fee.prices[item.value]))
            for item in options
            if item.value in fee.prices
        )
        return gettext("品目ごと（%(prices)s）", prices=prices)
    return yen(fee) if fee else gettext("無料")


def computed(definition: ProcedureDefinition) -> bool:
    """Whether the fee depends on the answers (so a total is worth showing beside its formula)."""
    return isinstance(definition.fee, PerCount | PriceTable)


def method_label(method: ReceiptMethod | PaymentMethod | None) -> str:
    if method is None:
        return "—"
    labels = RECEIPT_LABELS if isinstance(method, ReceiptMethod) else PAYMENT_LABELS
    return gettext(labels[method])


def payment_status_label(status: PaymentStatus) -> str:
    return gettext(PAYMENT_STATUS_LABELS[status])


def init_app(app: Flask) -> None:
    app.add_template_filter(yen, "yen")
    app.add_template_global(fee_formula)
    app.add_template_global(computed, "fee_computed")
    app.add_template_global(method_label)
    app.add_template_global(payment_status_label)
