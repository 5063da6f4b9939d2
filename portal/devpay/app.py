"""The development payment provider as a Flask app: the API of :mod:`portal.payments.dev` and its checkout page.

Checkouts live in this process's memory. Its pages carry no card fields: paying is pressing a button.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, jsonify, redirect, render_template, request, url_for

from portal.payments.dev import CURRENCY
from portal.payments.provider import CheckoutState

MAX_AMOUNT = 10_000_000  # yen; anything above is a mistake, not a fee


class ProductionRefusedError(RuntimeError):
    """Raised instead of building the provider when the environment is production."""

    def __init__(self) -> None:
        super().__init__(
            "the development payment provider must never run in production: it marks any checkout paid "
            "at the press of a button (MADOGUCHI_ENV=production)"
        )


@dataclass(frozen=True)
class _Checkout:
    id: str
    amount: int
    reference: str
    return_url: str
    page_token: str  # in the checkout page's forms, so another site cannot pay or cancel it blindly
    state: CheckoutState = CheckoutState.OPEN


class _Store:
    def __init__(self) -> None:
        self._checkouts: dict[str, _Checkout] = {}
        self._lock = threading.Lock()

    def add(self, checkout: _Checkout) -> None:
        with self._lock:
            self._checkouts[checkout.id] = checkout

    def get(self, checkout_id: str) -> _Checkout | None:
        with self._lock:
            return self._checkouts.get(checkout_id)

    def finish(self, checkout_id: str, state: CheckoutState) -> _Checkout | None:
        """Move an open checkout to ``state``; a finished one stays as it is (a second press changes nothing)."""
        with self._lock:
            found = self._checkouts.get(checkout_id)
            if found is not None and found.state is CheckoutState.OPEN:
                found = self._checkouts[checkout_id] = replace(found, state=state)
            return found


def create_payment_app(*, api_key: str, environment: str) -> Flask:
    """Build the provider; the portal's API calls must carry ``api_key`` (its PAYMENT_PROVIDER_KEY)."""
    if environment.strip().lower() == "production":
        raise ProductionRefusedError()
    app = Flask(__name__)
    store = _Store()

    def authorised() -> bool:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {api_key}".encode())

    def as_json(checkout: _Checkout) -> dict[str, Any]:
        return {
            "id": checkout.id,
            "state": checkout.state.value,
            "amount": checkout.amount,
            "currency": CURRENCY,
            "reference": checkout.reference,
            "url": url_for("checkout_page", checkout_id=checkout.id, _external=True),
        }

    @app.post("/api/checkouts")
    def create() -> tuple[Response, int]:
        if not authorised():
            return jsonify(error="unauthorised"), 401
        body = request.get_json(silent=True) or {}
        amount, reference, return_url = body.get("amount"), body.get("reference"), body.get("return_url")
        valid = (
            type(amount) is int
            and 0 < amount <= MAX_AMOUNT
            and body.get("currency") == CURRENCY
            and isinstance(reference, str)
            and 0 < len(reference) <= 100
            and isinstance(return_url, str)
            and urlsplit(return_url).scheme in ("http", "https")
        )
        if not valid:
            return jsonify(error="invalid checkout"), 400
        checkout = _Checkout(secrets.token_urlsafe(16), amount, reference, return_url, secrets.token_urlsafe(16))
        store.add(checkout)
        return jsonify(as_json(checkout)), 201

    @app.get("/api/checkouts/<checkout_id>")
    def status(checkout_id: str) -> tuple[Response, int]:
        if not authorised():
            return jsonify(error="unauthorised"), 401
        checkout = store.get(checkout_id)
        if checkout is None:
            return jsonify(error="no such checkout"), 404
        return jsonify(as_json(checkout)), 200

    @app.get("/checkout/<checkout_id>")
    def checkout_page(checkout_id: str) -> str:
        checkout = store.get(checkout_id) or abort(404)
        return render_template("checkout.html", checkout=checkout, open=checkout.state is CheckoutState.OPEN)

    @app.post("/checkout/<checkout_id>/<action>")
    def finish(checkout_id: str, action: str) -> Response:
        states = {"pay": CheckoutState.PAID, "cancel": CheckoutState.CANCELLED}
        checkout = store.get(checkout_id)
        if checkout is None or action not in states:
            abort(404)
        if not hmac.compare_digest(request.form.get("token", ""), checkout.page_token):
            abort(403)
        store.finish(checkout_id, states[action])
        separator = "&" if urlsplit(checkout.return_url).query else "?"
        return redirect(checkout.return_url + separator + urlencode({"checkout": checkout.id}), 303)

    return app
