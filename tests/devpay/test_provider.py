"""The development payment provider and the portal's ``dev`` client of it, over a loopback port."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from portal.config import DEV_PAYMENT_KEY
from portal.devidp import RunningServer, serve_in_thread
from portal.devpay import ProductionRefusedError, create_payment_app
from portal.devtools import devserver
from portal.payments import (
    CheckoutState,
    PaymentProvider,
    ProviderError,
    ProviderSettings,
    ReturnNotVerified,
    build_provider,
    provider_names,
)

RETURN_URL = "http://portal.test/999997/applications/2026-000001/payment/return"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = serve_in_thread(create_payment_app(api_key=DEV_PAYMENT_KEY, environment="testing"))
    yield running
    running.shutdown()


@pytest.fixture
def provider(server: RunningServer) -> PaymentProvider:
    built = build_provider(ProviderSettings("dev", server.url, DEV_PAYMENT_KEY))
    assert built is not None
    return built


def press(redirect_url: str, button: str) -> requests.Response:
    """The resident on the checkout page pressing 「支払う」 or 「キャンセル」."""
    page = requests.get(redirect_url, timeout=5)
    assert page.status_code == 200 and "開発用の決済サービス" in page.text
    action = re.search(rf'action="([^"]+/{button})"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert action and token
    return requests.post(
        f"{redirect_url.split('/checkout/')[0]}{action.group(1)}",
        data={"token": token.group(1)},
        allow_redirects=False,
        timeout=5,
    )


def test_checkout_paid_on_the_page_returns_with_only_its_id(provider: PaymentProvider) -> None:
    checkout = provider.create_checkout(600, "999997-2026-000001", RETURN_URL)
    assert provider.checkout_origin == f"http://{urlsplit(checkout.redirect_url).netloc}"
    opened = provider.status(checkout.id)
    assert (opened.state, opened.amount, opened.reference) == (CheckoutState.OPEN, 600, "999997-2026-000001")

    page = requests.get(checkout.redirect_url, timeout=5).text
    assert "600円" in page and "999997-2026-000001" in page
    assert not re.search(r"<input(?![^>]*type=\"hidden\")", page)  # nothing to type: no card data anywhere

    paid = press(checkout.redirect_url, "pay")
    assert paid.status_code == 303
    back = urlsplit(paid.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == RETURN_URL
    assert parse_qs(back.query) == {"checkout": [checkout.id]}
    assert provider.verify_return(checkout.id, {"checkout": checkout.id}).state is CheckoutState.PAID

    finished = requests.get(checkout.redirect_url, timeout=5).text
    assert "この支払いは完了しています" in finished and "<form" not in finished  # nothing more to press
    assert provider.status(checkout.id).state is CheckoutState.PAID


def test_cancelled_checkout_stays_cancelled(provider: PaymentProvider, server: RunningServer) -> None:
    checkout = provider.create_checkout(300, "999997-2026-000002", RETURN_URL)
    assert press(checkout.redirect_url, "cancel").status_code == 303
    assert provider.status(checkout.id).state is CheckoutState.CANCELLED
    token = "irrelevant: the page has no form any more"
    pay = requests.post(f"{server.url}/checkout/{checkout.id}/pay", data={"token": token}, timeout=5)
    assert pay.status_code == 403
    assert provider.status(checkout.id).state is CheckoutState.CANCELLED


def test_a_return_for_another_checkout_is_not_verified(provider: PaymentProvider) -> None:
    first = provider.create_checkout(300, "999997-2026-000003", RETURN_URL)
    second = provider.create_checkout(300, "999997-2026-000004", RETURN_URL)
    with pytest.raises(ReturnNotVerified):
        provider.verify_return(first.id, {"checkout": second.id})
    with pytest.raises(ReturnNotVerified):
        provider.verify_return(first.id, {"state": "paid"})


def test_pay_without_the_pages_token_is_refused(provider: PaymentProvider, server: RunningServer) -> None:
    checkout = provider.create_checkout(300, "999997-2026-000005", RETURN_URL)
    forged = requests.post(f"{server.url}/checkout/{checkout.id}/pay", data={"token": "guess"}, timeout=5)
    assert forged.status_code == 403
    assert provider.status(checkout.id).state is CheckoutState.OPEN


def test_the_api_needs_the_portals_key(server: RunningServer) -> None:
    stranger = build_provider(ProviderSettings("dev", server.url, "not-the-portals-key"))
    assert stranger is not None
    with pytest.raises(ProviderError, match="HTTP 401"):
        stranger.create_checkout(300, "999997-2026-000006", RETURN_URL)
    response = requests.get(f"{server.url}/api/checkouts/anything", timeout=5)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0, "currency": "JPY", "reference": "r", "return_url": RETURN_URL},
        {"amount": 300.5, "currency": "JPY", "reference": "r", "return_url": RETURN_URL},
        {"amount": "300", "currency": "JPY", "reference": "r", "return_url": RETURN_URL},
        {"amount": 300, "currency": "USD", "reference": "r", "return_url": RETURN_URL},
        {"amount": 300, "currency": "JPY", "reference": "r", "return_url": "javascript:alert(1)"},
    ],
)
def test_a_checkout_outside_the_contract_is_refused(server: RunningServer, body: dict) -> None:
    response = requests.post(
        f"{server.url}/api/checkouts", json=body, headers={"Authorization": f"Bearer {DEV_PAYMENT_KEY}"}, timeout=5
    )
    assert response.status_code == 400


def test_unknown_checkout_and_unreachable_provider_are_provider_errors(provider: PaymentProvider) -> None:
    with pytest.raises(ProviderError, match="HTTP 404"):
        provider.status("no-such-checkout")
    unreachable = build_provider(ProviderSettings("dev", "http://127.0.0.1:9", DEV_PAYMENT_KEY))
    assert unreachable is not None
    with pytest.raises(ProviderError, match="ConnectionError"):
        unreachable.status("anything")


def test_registry_names_the_providers_and_refuses_unknown_ones() -> None:
    assert "dev" in provider_names()
    assert build_provider(None) is None
    with pytest.raises(KeyError, match="unknown payment provider 'stripe'; known providers: dev"):
        build_provider(ProviderSettings("stripe", "https://pay.example", "k" * 32))


@pytest.mark.parametrize("environment", ["production", "Production", " production "])
def test_refuses_production(environment: str) -> None:
    with pytest.raises(ProductionRefusedError, match="must never run in production"):
        create_payment_app(api_key=DEV_PAYMENT_KEY, environment=environment)


def test_devserver_refuses_production_before_opening_a_port(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MADOGUCHI_ENV", "production")
    monkeypatch.setenv("PAYMENT_PROVIDER", "dev")
    monkeypatch.setattr("sys.argv", ["devserver", "--port", "0"])
    monkeypatch.setattr(devserver, "serve_in_thread", pytest.fail)
    assert devserver.main() == 2
    assert "PAYMENT_PROVIDER: the development provider must never be used in production" in capsys.readouterr().err
