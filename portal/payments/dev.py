"""The ``dev`` provider: the portal's side of the development checkout (:mod:`portal.devpay`).

Contract (``{base}`` is ``PAYMENT_PROVIDER_URL``; API requests carry ``Authorization: Bearer
<PAYMENT_PROVIDER_KEY>`` and JSON)::

    POST {base}/api/checkouts        {"amount": 600, "currency": "JPY", "reference": "…", "return_url": "…"}
                                     201 <checkout>
    GET  {base}/api/checkouts/{id}   200 <checkout>   404 no such checkout

``<checkout>`` is ``{"id", "state": "open"|"paid"|"cancelled", "amount", "currency", "reference", "url"}``;
``url`` is the checkout page. When the resident pays or cancels there, the browser goes to
``return_url?checkout={id}``: that only says which checkout to ask about, and :meth:`verify_return` asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from portal.payments.provider import Checkout, CheckoutState, CheckoutStatus, ProviderError, ReturnNotVerified
from portal.payments.registry import ProviderSettings, register

TIMEOUT = (3.0, 10.0)  # connect, read (seconds)
CURRENCY = "JPY"


class DevProvider:
    name = "dev"

    def __init__(self, settings: ProviderSettings) -> None:
        self._base = settings.url.rstrip("/")
        parts = urlsplit(self._base)
        self.checkout_origin = f"{parts.scheme}://{parts.netloc}"
        self._http = requests.Session()
        self._http.headers.update({"Authorization": f"Bearer {settings.key}", "Accept": "application/json"})

    def create_checkout(self, amount: int, reference: str, return_url: str) -> Checkout:
        body = {"amount": amount, "currency": CURRENCY, "reference": reference, "return_url": return_url}
        status = self._checkout(self._call("POST", "/api/checkouts", json=body, expected=201))
        if status.amount != amount or status.reference != reference:
            raise ProviderError("the provider created a checkout other than the one asked for")
        return Checkout(status.id, status.redirect_url)

    def verify_return(self, checkout_id: str, params: Mapping[str, str]) -> CheckoutStatus:
        if params.get("checkout") != checkout_id:
            raise ReturnNotVerified(checkout_id)
        return self.status(checkout_id)

    def status(self, checkout_id: str) -> CheckoutStatus:
        found = self._checkout(self._call("GET", f"/api/checkouts/{quote(checkout_id, safe='')}", expected=200))
        if found.id != checkout_id:
            raise ProviderError("the provider answered about another checkout")
        return found

    def _call(self, method: str, path: str, *, expected: int, json: Any = None) -> Any:
        try:
            response = self._http.request(method, self._base + path, json=json, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise ProviderError(f"{method} {path}: {type(error).__name__}") from None
        if response.status_code != expected:
            raise ProviderError(f"{method} {path}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise ProviderError(f"{method} {path}: not JSON") from None

    @staticmethod
    def _checkout(data: Any) -> CheckoutStatus:
        try:
            if data["currency"] != CURRENCY or type(data["amount"]) is not int:
                raise ValueError("amount")
            return CheckoutStatus(
                id=str(data["id"]),
                state=CheckoutState(data["state"]),
                amount=data["amount"],
                reference=str(data["reference"]),
                redirect_url=str(data["url"]),
            )
        except (KeyError, TypeError, ValueError):
            raise ProviderError("the provider's checkout is outside the contract") from None


register("dev")(DevProvider)
