"""The contract a payment provider fulfils: create a checkout, verify a return, look up a status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class CheckoutState(StrEnum):
    OPEN = "open"  # created, not paid yet: the resident may still pay on the provider's page
    PAID = "paid"
    CANCELLED = "cancelled"  # cancelled by the resident or expired: it can never be paid


@dataclass(frozen=True)
class Checkout:
    """A checkout just created: the provider's id for it and where to send the resident's browser."""

    id: str
    redirect_url: str


@dataclass(frozen=True)
class CheckoutStatus:
    """What the provider says of a checkout: its state, and the amount and reference it was created with."""

    id: str
    state: CheckoutState
    amount: int  # yen
    reference: str  # the portal's reference given at creation
    redirect_url: str  # where the resident continues while it is open


class ProviderError(Exception):
    """The provider did not answer, or answered outside its contract; nothing can be concluded."""


class ReturnNotVerified(Exception):
    """A browser came back with parameters that do not belong to the checkout (forged or mixed up)."""


class PaymentProvider(Protocol):
    """One provider, built once at start from its settings; every method may raise :class:`ProviderError`."""

    name: str  # the registry's name, stored with each payment
    checkout_origin: str  # the origin of its checkout pages, which the resident's form may post towards

    def create_checkout(self, amount: int, reference: str, return_url: str) -> Checkout:
        """A checkout for ``amount`` yen under the portal's ``reference``; the browser comes back to
        ``return_url`` when the resident pays or cancels."""
        ...

    def verify_return(self, checkout_id: str, params: Mapping[str, str]) -> CheckoutStatus:
        """The status of ``checkout_id`` after a browser came back with ``params`` (the return URL's query),
        established with the provider; :class:`ReturnNotVerified` when ``params`` are not for that checkout."""
        ...

    def status(self, checkout_id: str) -> CheckoutStatus:
        """The provider's current word on a checkout."""
        ...
