"""A procedure's form as staff fill it at the counter on a resident's behalf (窓口受付・代行入力).

It is the procedure's own definition, so every question is asked and checked exactly as online, with two changes:
a first page where staff enter the applicant's identity as they checked it (氏名, フリガナ, 生年月日, 性別, 住所:
what the 住民記録 is matched against, as a resident's login is) and whether the applicant agrees to be told by email,
and 受取方法 / 支払方法 without what needs a portal account (電子交付, オンライン決済): the fee is paid at the counter.

The first page's fields are named ``counter_…``, a prefix the loader reserves; :func:`split` takes them back out of
the validated values, so the submission's answers are the procedure's only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from portal.catalog import methods
from portal.catalog.methods import PaymentMethod, ReceiptMethod
from portal.identity import PROFILE_KEYS
from portal.messages import N_
from portal.records.model import Gender

if TYPE_CHECKING:
    from portal.catalog.fieldtypes.base import Problem, Translate
    from portal.catalog.model import Page, ProcedureDefinition

PREFIX = "counter_"
PAGE = "counter_applicant"
NOTIFY = PREFIX + "notify"  # whether the applicant agrees to be told by email
EMAIL = PREFIX + "email"
NOTIFY_BY_EMAIL = "email"
# Only where the applicant holds a portal account: downloading the certificate, paying online.
ACCOUNT_ONLY = (ReceiptMethod.ELECTRONIC, PaymentMethod.ONLINE)


def problems(definition: ProcedureDefinition) -> Iterator[Problem]:
    """Field and page names the counter's own page takes (paths from the definition's root)."""
    for p, page in enumerate(definition.pages):
        if page.key == PAGE:
            yield ("pages", p, "key"), f"the page key {PAGE!r} is reserved for counter applications"
        for f, field in enumerate(page.fields):
            if field.name.startswith(PREFIX):
                yield (
                    ("pages", p, "fields", f, "name"),
                    f"names starting with {PREFIX!r} are reserved for counter applications",
                )


def counter_definition(definition: ProcedureDefinition) -> ProcedureDefinition:
    """``definition`` as the counter's form: the applicant's page first, and the methods a counter applicant can
    use (the counter when none of the procedure's are left)."""
    receipt = tuple(m for m in definition.receipt_methods if m not in ACCOUNT_ONLY) or (ReceiptMethod.COUNTER,)
    payment = tuple(m for m in definition.payment_methods if m not in ACCOUNT_ONLY) or (PaymentMethod.COUNTER,)
    narrowed = definition.model_copy(update={"receipt_methods": receipt, "payment_methods": payment})
    asked = methods.page(narrowed)
    pages = [page for page in definition.pages if page.key != methods.PAGE]
    return narrowed.model_copy(update={"pages": (applicant_page(), *pages, *((asked,) if asked else ()))})


@cache
def applicant_page() -> Page:
    """The counter's first page: the applicant's identity as checked, and whether to tell them by email."""
    from portal.catalog.model import Page

    return Page.model_validate(
        {
            "key": PAGE,
            "title": N_("申請者（窓口で確認した本人確認情報）"),
            "help": N_(
                "本人確認書類で確認した申請者の氏名・生年月日・性別・住所を入力してください。"
                "住民記録との照合に使います。"
            ),
            "fields": APPLICANT_FIELDS,
        }
    )


def identity_rows(identity: Mapping[str, str], translate: Translate) -> list[tuple[str, str]]:
    """(label, text) of the applicant's identity as entered, shown as the form's page showed it."""
    from portal.catalog.validation import display_fields

    fields = [f for f in applicant_page().fields if f.name.removeprefix(PREFIX) in PROFILE_KEYS]
    return display_fields(fields, {PREFIX + key: value for key, value in identity.items()}, translate)


@dataclass(frozen=True)
class Entered:
    """What the counter's form gave, taken apart."""

    answers: dict[str, Any]  # the procedure's own answers, as an online submission stores them
    identity: dict[str, str]  # the applicant as entered, under ResidentProfile's keys
    email: str | None  # where the applicant agreed to be told; None: they did not


def split(values: Mapping[str, Any]) -> Entered:
    """The validated values of :func:`counter_definition`'s form, taken apart."""
    identity = {key: str(values[PREFIX + key]) for key in PROFILE_KEYS if values.get(PREFIX + key)}
    agreed = values.get(NOTIFY) == NOTIFY_BY_EMAIL
    return Entered(
        answers={name: value for name, value in values.items() if not name.startswith(PREFIX)},
        identity=identity,
        email=values.get(EMAIL) if agreed else None,
    )


def identity_raw(raw: Mapping[str, list[str]]) -> dict[str, str]:
    """The applicant's identity as typed so far (a draft's inputs), under ResidentProfile's keys: what the form's
    later pages are prefilled from."""
    return {key: raw[PREFIX + key][0] for key in PROFILE_KEYS if raw.get(PREFIX + key, [""])[0]}


def _text(name: str, label: str, **settings: Any) -> dict[str, Any]:
    return {"name": PREFIX + name, "type": "text", "label": label, "max_length": 50, **settings}


APPLICANT_FIELDS: tuple[dict[str, Any], ...] = (
    _text("family_name", N_("氏")),
    _text("given_name", N_("名")),
    {"name": PREFIX + "family_name_kana", "type": "kana", "label": N_("氏（フリガナ）"), "max_length": 50},
    {"name": PREFIX + "given_name_kana", "type": "kana", "label": N_("名（フリガナ）"), "max_length": 50},
    {"name": PREFIX + "birthdate", "type": "date", "label": N_("生年月日"), "max": "today"},
    {
        "name": PREFIX + "gender",
        "type": "radio",
        "label": N_("性別"),
        "options": [{"value": Gender.MALE.value, "label": N_("男")}, {"value": Gender.FEMALE.value, "label": N_("女")}],
    },
    {
        "name": PREFIX + "postal_code",
        "type": "postal_code",
        "label": N_("郵便番号"),
        "required": False,
        "fills": PREFIX + "address",
    },
    {
        "name": PREFIX + "address",
        "type": "address",
        "label": N_("住所"),
        "help": N_("方書（アパート名・部屋番号）まで入力してください。"),
    },
    {
        "name": NOTIFY,
        "type": "radio",
        "label": N_("メールでのお知らせ"),
        "help": N_(
            "申請者が希望し、同意した場合だけ、審査の結果などをメールで知らせます。"
            "メールには受付番号と手続きの名前だけを書きます。"
        ),
        "options": [
            {"value": "none", "label": N_("希望しない")},
            {"value": NOTIFY_BY_EMAIL, "label": N_("メールで知らせることに申請者が同意した")},
        ],
    },
    {
        "name": EMAIL,
        "type": "email",
        "label": N_("お知らせを送るメールアドレス"),
        "show_if": {"field": NOTIFY, "equals": NOTIFY_BY_EMAIL},
    },
)
