"""The counter's form of a procedure (portal.catalog.counter): the applicant's page first, the procedure's own pages
and checks unchanged, no method that needs a portal account, and its names reserved in definitions."""

from __future__ import annotations

from pathlib import Path

from portal.catalog import counter, load_definition, validate
from portal.catalog.methods import PaymentMethod, ReceiptMethod
from tests.unit.test_catalog_loader import CATALOG, load_error
from tests.unit.test_catalog_methods import PROCEDURE

APPLICANT = {
    "counter_family_name": ["山田"],
    "counter_given_name": ["太郎"],
    "counter_family_name_kana": ["やまだ"],  # typed in hiragana: kept in katakana, as online
    "counter_given_name_kana": ["タロウ"],
    "counter_birthdate-era": ["showa"],
    "counter_birthdate-year": ["60"],
    "counter_birthdate-month": ["4"],
    "counter_birthdate-day": ["12"],
    "counter_gender": ["male"],
    "counter_postal_code": ["１００－０００１"],
    "counter_address": ["東京都千代田区千代田1-1"],
    "counter_notify": ["email"],
    "counter_email": ["Yamada@Example.JP"],
}


def test_the_counter_asks_the_applicant_first_then_the_procedure_without_account_only_methods() -> None:
    juminhyo = load_definition(CATALOG / "juminhyo.yaml")
    form = counter.counter_definition(juminhyo)
    assert [page.key for page in form.pages] == [
        "counter_applicant",
        "applicant",
        "requester",
        "request",
        "receipt_and_payment",
    ]
    assert form.pages[1:3] == juminhyo.pages[:2]  # the procedure's own questions and checks, unchanged
    assert (form.receipt_methods, form.payment_methods) == (
        (ReceiptMethod.COUNTER, ReceiptMethod.MAIL),
        (PaymentMethod.COUNTER, PaymentMethod.POSTAL_ORDER),
    )
    assert [o.value for o in form.field("payment_method").settings.options] == ["counter", "postal_order"]
    assert form.version == juminhyo.version  # a submission records the procedure's published version


def test_only_online_payment_leaves_the_counter() -> None:
    sodai_gomi = load_definition(CATALOG / "sodai_gomi.yaml")
    online_only = sodai_gomi.model_copy(update={"payment_methods": (PaymentMethod.ONLINE,)})
    form = counter.counter_definition(online_only)
    assert form.payment_methods == (PaymentMethod.COUNTER,)
    assert "payment_method" not in {f.name for f in form.fields}  # one method: not asked


def test_the_applicants_page_splits_into_identity_answers_and_a_consented_address() -> None:
    form = counter.counter_definition(load_definition(CATALOG / "sodai_gomi.yaml"))
    result = validate(form, APPLICANT, page="counter_applicant")
    assert result.ok, result.errors
    entered = counter.split({**result.values, "family_name": "山田"})
    assert entered.answers == {"family_name": "山田"}
    assert entered.identity == {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "birthdate": "1985-04-12",
        "gender": "male",
        "postal_code": "1000001",
        "address": "東京都千代田区千代田1-1",
    }
    assert entered.email == "Yamada@example.jp"
    refused = validate(form, {**APPLICANT, "counter_notify": ["none"]}, page="counter_applicant")
    assert counter.split(refused.values).email is None  # no consent: no address kept, whatever was typed
    assert "counter_email" not in refused.values


def test_the_counters_names_are_reserved_in_definitions(tmp_path: Path) -> None:
    field = PROCEDURE.format(methods="", name="counter_note")
    assert "proc.yaml:12: pages[0].fields[0].name: names starting with 'counter_' are reserved" in str(
        load_error(tmp_path, field)
    )
    page = PROCEDURE.format(methods="", name="family_name").replace("key: main", "key: counter_applicant")
    assert "proc.yaml:9: pages[0].key: the page key 'counter_applicant' is reserved" in str(load_error(tmp_path, page))
