"""Fees on the form, the confirmation page and the receipt; 受取方法 and 支払方法; paying online before 交付."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from portal.config import DEV_PAYMENT_KEY
from portal.models import MunicipalityProcedure, Payment, PaymentStatus, Submission
from portal.web.current import PAYMENTS_EXTENSION
from tests.web.conftest import logged_in, login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    approve_juminhyo,
    db_state,
    fill_in,
    fire,
    flashed,
    hidden_inputs,
    post_form,
    state_of,
)

CODE = "999997"
APPLY = f"/{CODE}/procedures/juminhyo/apply"
CONFIRM = f"/{CODE}/procedures/juminhyo/confirm"
METHODS = f"{APPLY}?page=receipt_and_payment"  # the page receipt_methods and payment_methods generate
ONLINE = {**JUMINHYO_ANSWERS, "payment_method": "online"}
NOT_PAID = "申請者のオンライン決済による手数料の支払いが完了していないため、この操作はできません。"


def text(response: Any) -> str:
    return html.unescape(response.text)


def submission(db_session, reference: str) -> Submission:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalars(select(Submission).filter_by(municipality_code=CODE, reference=reference)).one()


def payments(db_session) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    rows = db_session.execute(
        select(Payment.submission_id, Payment.provider_reference, Payment.amount, Payment.status, Payment.settled_at)
    ).all()
    return [tuple(row) for row in rows]


def everything(db_session) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    """What a refused payment step must leave alone: cases, history, certificates and payments."""
    return (*db_state(db_session), tuple(payments(db_session)))


def set_own_fee(db_session, slug: str, fee: int | None) -> None:  # type: ignore[no-untyped-def]
    offer = db_session.scalars(select(MunicipalityProcedure).filter_by(municipality_code=CODE, slug=slug)).one()
    offer.fee = fee
    db_session.flush()


# --- fees -------------------------------------------------------------------------------------------------


def test_two_copies_cost_600_yen_on_confirm_receipt_and_in_the_back_office(client, make_client, db_session):
    assert "300円 × 必要な通数（1通につき300円）" in text(client.get(f"/{CODE}/procedures/juminhyo"))
    login(client, "resident", "resident-yamada")
    form = text(client.get(APPLY))
    assert "300円 × 必要な通数" in form and "合計額は確認画面に表示します。" in form

    assert fill_in(client, CODE, "juminhyo", JUMINHYO_ANSWERS).headers["Location"] == CONFIRM
    confirm = text(client.get(CONFIRM))
    assert re.search(
        r'<strong class="fee-total">600円</strong> <span class="hint">（300円 × 必要な通数）</span>', confirm
    )
    assert "窓口で受け取る" in confirm and "窓口で支払う" in confirm  # the generated questions' answers

    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert (submission(db_session, reference).fee, submission(db_session, reference).payment_method) == (600, "counter")
    receipt = text(client.get(f"/{CODE}/applications/{reference}/receipt"))
    assert '<strong class="fee-total">600円</strong>' in receipt and "手数料は窓口でお支払いください。" in receipt

    # A later change of the municipality's fee charges new applications, never this one.
    set_own_fee(db_session, "juminhyo", 500)
    assert '<strong class="fee-total">600円</strong>' in text(client.get(f"/{CODE}/applications/{reference}/receipt"))
    staff_page = text(make_client("staff", "staff-mihon-clerk").get(f"/backoffice/submissions/{reference}"))
    assert re.search(r"<dt>手数料</dt><dd>600円</dd>", staff_page)
    assert "窓口で受け取る" in staff_page and "窓口で支払う" in staff_page
    assert submission(db_session, reference).fee == 600


def test_a_municipalitys_own_fee_is_the_unit_price(client, db_session):
    set_own_fee(db_session, "juminhyo", 350)
    assert "350円 × 必要な通数" in text(client.get(f"/{CODE}/procedures/juminhyo"))
    login(client, "resident", "resident-yamada")
    assert fill_in(client, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "copies": "3"}).headers["Location"] == CONFIRM
    assert '<strong class="fee-total">1,050円</strong>' in text(client.get(CONFIRM))
    reference = apply(client, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "copies": "3"})
    assert submission(db_session, reference).fee == 1050


def test_a_correction_is_charged_for_what_it_asks(client, make_client, db_session):
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "return_to_applicant", "通数をご確認ください")
    corrected = post_form(client, f"{application(reference)}/correct", {**JUMINHYO_ANSWERS, "copies": "3"})
    assert corrected.status_code == 302
    assert (submission(db_session, reference).fee, submission(db_session, reference).state) == (900, "submitted")


def test_sodai_gomi_adds_the_price_of_each_item(client, make_client, db_session):
    form_path = f"/{CODE}/procedures/sodai_gomi/apply"
    login(client, "resident", "resident-sato")
    form = text(client.get(form_path))
    assert "品目ごと（ソファ 1,000円、ベッド 1,500円、タンス 1,500円、自転車 500円、布団 300円、机 1,000円）" in form

    answers = {**SODAI_GOMI_ANSWERS, "items-bed": "1"}  # a sofa, two bicycles and a bed
    sodai_gomi_confirm = f"/{CODE}/procedures/sodai_gomi/confirm"
    assert fill_in(client, CODE, "sodai_gomi", answers).headers["Location"] == sodai_gomi_confirm
    confirm = text(client.get(sodai_gomi_confirm))
    assert '<strong class="fee-total">3,500円</strong>' in confirm
    assert "支払方法" not in confirm  # one method (the counter): not asked

    reference = apply(client, CODE, "sodai_gomi", answers)
    found = submission(db_session, reference)
    assert (found.fee, found.receipt_method, found.payment_method) == (3500, "counter", "counter")
    receipt = text(client.get(f"/{CODE}/applications/{reference}/receipt"))
    assert '<strong class="fee-total">3,500円</strong>' in receipt and "粗大ごみ処理券" in receipt


def test_mail_requires_a_delivery_address_prefilled_from_the_residents(client, db_session):
    login(client, "resident", "resident-yamada")
    form = text(client.get(METHODS))
    assert re.search(r'id="field-delivery_address"[^>]*value="東京都千代田区千代田1-1"', form) or re.search(
        r'value="東京都千代田区千代田1-1"[^>]*id="field-delivery_address"', form
    )
    before = everything(db_session)
    refused = fill_in(client, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "receipt_method": "mail", "delivery_address": ""})
    assert refused.status_code == 200
    assert '<a href="#field-delivery_address">送付先の住所を入力してください</a>' in text(refused)
    assert client.get(CONFIRM).headers["Location"] == METHODS  # nothing to confirm
    assert everything(db_session) == before

    by_mail = {
        **JUMINHYO_ANSWERS,
        "receipt_method": "mail",
        "delivery_postal_code": "1500001",
        "delivery_address": "東京都渋谷区神宮前1-1",
    }
    assert fill_in(client, CODE, "juminhyo", by_mail).headers["Location"] == CONFIRM
    confirm = text(client.get(CONFIRM))
    assert "郵送で受け取る" in confirm and "東京都渋谷区神宮前1-1" in confirm
    reference = apply(client, CODE, "juminhyo", by_mail)
    found = submission(db_session, reference)
    assert found.receipt_method == "mail" and found.answers["delivery_address"] == "東京都渋谷区神宮前1-1"


# --- paying online ----------------------------------------------------------------------------------------


def applied_online(client, make_client, *, approved: bool = True) -> tuple[str, Any]:  # type: ignore[no-untyped-def]
    """山田 太郎 applies for two copies paying online; staff review and approve. Returns the 受付番号 and clerk."""
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", ONLINE)
    if not approved:
        return reference, None
    return reference, approve_juminhyo(
        make_client, reference, clerk="staff-mihon-clerk", approver="staff-mihon-approver"
    )


def application(reference: str) -> str:
    return f"/{CODE}/applications/{reference}"


def start_payment(client, reference: str, **extra: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"{application(reference)}/payment", extra, token_from=application(reference))


def press(checkout_url: str, button: str) -> str:
    """On the provider's page, 「支払う」 or 「キャンセル」; returns where the provider sends the browser back."""
    page = requests.get(checkout_url, timeout=5)
    action = re.search(rf'action="([^"]+/{button})"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert action and token, page.text
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(checkout_url))
    pressed = requests.post(origin + action.group(1), data={"token": token.group(1)}, allow_redirects=False, timeout=5)
    assert pressed.status_code == 303
    return pressed.headers["Location"]


def back_to_portal(client, location: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == "http://localhost"
    return client.get(f"{parts.path}?{parts.query}")


def test_online_payment_then_issue(client, make_client, db_session, payment_provider):
    reference, clerk = applied_online(client, make_client)
    receipt = text(client.get(f"/{CODE}/applications/{reference}/receipt"))
    assert "審査が終わると「申請した手続き」の画面からオンラインでお支払いいただけます。" in receipt

    # After 決裁 the case waits for the payment: the resident sees the button, staff cannot issue yet.
    page = client.get(application(reference))
    assert "オンラインで支払う" in page.text and "手数料600円をオンラインでお支払いください。" in text(page)
    assert f"form-action 'self' {payment_provider.url};" in page.headers["Content-Security-Policy"]
    staff_page = text(clerk.get(f"/backoffice/submissions/{reference}"))
    assert "申請者のオンライン決済を待っています。" in staff_page and "交付する" not in staff_page
    before = everything(db_session)
    assert NOT_PAID in flashed(clerk, fire(clerk, reference, "issue"))
    assert everything(db_session) == before

    # Paying: a checkout for the stored fee at the provider, whatever the form says.
    started = start_payment(client, reference, amount="1")
    assert started.status_code == 303
    checkout_url = started.headers["Location"]
    assert checkout_url.startswith(f"{payment_provider.url}/checkout/")
    provider_page = requests.get(checkout_url, timeout=5).text
    assert "600円" in provider_page and f"{CODE}-{reference}" in provider_page
    [(_, checkout_id, amount, status, settled)] = [p for p in payments(db_session)]
    assert (amount, status, settled) == (600, PaymentStatus.PENDING, None)

    # 「支払う」: the provider sends the browser back; the portal asks the provider and records the payment.
    location = press(checkout_url, "pay")
    assert urlsplit(location).query == f"checkout={checkout_id}"  # nothing about cards or amounts
    returned = back_to_portal(client, location)
    assert "お支払いを確認しました。" in flashed(client, returned)
    [(_, _, amount, status, settled)] = payments(db_session)
    assert (amount, status) == (600, PaymentStatus.PAID) and settled is not None
    assert "手数料600円をオンラインでお支払いいただきました" in text(client.get(application(reference)))
    assert "オンラインで支払う" not in client.get(application(reference)).text

    # A reload or a replay of the return changes nothing.
    paid = everything(db_session)
    assert "お支払いは既に完了しています。" in flashed(client, back_to_portal(client, location))
    assert everything(db_session) == paid
    assert "お支払いは既に完了しています。" in flashed(client, start_payment(client, reference))

    # Staff see the payment and may issue now.
    staff_page = text(clerk.get(f"/backoffice/submissions/{reference}"))
    assert "支払済み" in staff_page and checkout_id in staff_page and "交付する" in staff_page
    assert fire(clerk, reference, "issue").status_code == 302
    assert state_of(db_session, CODE, reference) == "issued"


def test_cancelled_payment_leaves_the_case_unpaid(client, make_client, db_session):
    reference, clerk = applied_online(client, make_client)
    checkout_url = start_payment(client, reference).headers["Location"]
    returned = back_to_portal(client, press(checkout_url, "cancel"))
    assert "お支払いはキャンセルされました。" in flashed(client, returned)
    assert [p[3] for p in payments(db_session)] == [PaymentStatus.CANCELLED]
    assert "オンラインで支払う" in client.get(application(reference)).text
    before = everything(db_session)
    assert NOT_PAID in flashed(clerk, fire(clerk, reference, "issue"))
    assert everything(db_session) == before
    assert state_of(db_session, CODE, reference) == "approved"

    # Trying again makes a new checkout; paying it lets staff issue.
    again = start_payment(client, reference).headers["Location"]
    assert again != checkout_url
    back_to_portal(client, press(again, "pay"))
    assert [p[3] for p in payments(db_session)] == [PaymentStatus.CANCELLED, PaymentStatus.PAID]
    assert fire(clerk, reference, "issue").status_code == 302


def test_a_double_click_reuses_the_open_checkout(client, make_client, db_session):
    reference, _ = applied_online(client, make_client)
    first = start_payment(client, reference).headers["Location"]
    assert start_payment(client, reference).headers["Location"] == first
    assert len(payments(db_session)) == 1


def test_forged_returns_change_nothing(client, make_client, db_session):
    reference, clerk = applied_online(client, make_client)
    checkout_url = start_payment(client, reference).headers["Location"]
    checkout_id = checkout_url.rsplit("/", 1)[1]
    before = everything(db_session)

    # Query parameters claiming success, without paying: the provider says it is still open.
    forged = client.get(f"{application(reference)}/payment/return?checkout={checkout_id}&state=paid&amount=600")
    assert "お支払いはまだ完了していません。" in flashed(client, forged)
    # A checkout this case never made, and none at all.
    for query in ("checkout=not-ours", ""):
        response = client.get(f"{application(reference)}/payment/return?{query}")
        assert "このお支払いを確認できませんでした。" in flashed(client, response)
    # Another resident cannot even see the case.
    stranger = make_client("resident", "resident-sato")
    assert stranger.get(f"{application(reference)}/payment/return?checkout={checkout_id}").status_code == 404
    assert everything(db_session) == before
    assert NOT_PAID in flashed(clerk, fire(clerk, reference, "issue"))


def test_amount_tampering_is_refused(app, client, make_client, db_session, payment_provider, monkeypatch):
    reference, clerk = applied_online(client, make_client)
    checkout_url = start_payment(client, reference).headers["Location"]

    # A cheaper checkout made at the provider for this case's reference and paid is not this case's payment.
    cheap = requests.post(
        f"{payment_provider.url}/api/checkouts",
        json={"amount": 1, "currency": "JPY", "reference": f"{CODE}-{reference}", "return_url": "http://localhost/"},
        headers={"Authorization": f"Bearer {DEV_PAYMENT_KEY}"},
        timeout=5,
    ).json()
    press(cheap["url"], "pay")
    before = everything(db_session)
    response = client.get(f"{application(reference)}/payment/return?checkout={cheap['id']}")
    assert "このお支払いを確認できませんでした。" in flashed(client, response)
    assert everything(db_session) == before

    # The provider reporting another amount for the real checkout: not recorded, still unpaid.
    provider = app.extensions[PAYMENTS_EXTENSION]
    real_status = provider.status
    monkeypatch.setattr(provider, "status", lambda checkout: replace(real_status(checkout), amount=1))
    location = press(checkout_url, "pay")
    response = back_to_portal(client, location)
    assert "決済サービスの金額が手数料と一致しないため" in flashed(client, response)
    assert everything(db_session) == before
    assert NOT_PAID in flashed(clerk, fire(clerk, reference, "issue"))


def test_nothing_to_pay_before_approval_or_by_counter(client, make_client, db_session):
    reference, _ = applied_online(client, make_client, approved=False)
    assert "オンラインで支払う" not in client.get(application(reference)).text
    before = everything(db_session)
    response = start_payment(client, reference)
    assert "この申請には、現在オンラインでお支払いいただく手数料はありません。" in flashed(client, response)
    assert everything(db_session) == before

    by_counter = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    approve_juminhyo(make_client, by_counter, clerk="staff-mihon-clerk", approver="staff-mihon-approver")
    assert "オンラインで支払う" not in client.get(application(by_counter)).text
    assert "この申請には" in flashed(client, start_payment(client, by_counter))
    assert payments(db_session) == []


@pytest.fixture
def unconfigured(build_app, demo):  # type: ignore[no-untyped-def]
    return build_app(PAYMENT_PROVIDER="")


def test_without_a_provider_online_payment_is_refused_with_a_reason(unconfigured, make_client, db_session):
    resident = logged_in(unconfigured, "resident", "resident-yamada")
    reference = apply(resident, CODE, "juminhyo", ONLINE)
    approve_juminhyo(make_client, reference, clerk="staff-mihon-clerk", approver="staff-mihon-approver")
    response = post_form(resident, f"{application(reference)}/payment", {}, token_from=application(reference))
    assert "オンライン決済は現在ご利用いただけません。" in flashed(resident, response)
    assert payments(db_session) == []


def test_submit_stores_the_hidden_inputs_total_not_a_posted_one(client, db_session):
    login(client, "resident", "resident-yamada")
    assert fill_in(client, CODE, "juminhyo", JUMINHYO_ANSWERS).headers["Location"] == CONFIRM
    submitted = client.post(CONFIRM, data={**hidden_inputs(client, CONFIRM), "fee": "1"})
    reference = urlsplit(submitted.headers["Location"]).path.split("/")[3]
    assert submission(db_session, reference).fee == 600
