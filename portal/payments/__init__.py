"""Online payment of fees through a payment provider, named by configuration (``PAYMENT_PROVIDER``).

The resident pays on the provider's own page: the portal creates a checkout for an amount and sends the
browser there, and believes a payment only when the provider itself says so (a status lookup), never
because of what the returning browser carries. No card data ever reaches the portal.
"""

from portal.payments.provider import (
    Checkout,
    CheckoutState,
    CheckoutStatus,
    PaymentProvider,
    ProviderError,
    ReturnNotVerified,
)
from portal.payments.registry import ProviderSettings, build_provider, provider_names, register

__all__ = [
    "Checkout",
    "CheckoutState",
    "CheckoutStatus",
    "PaymentProvider",
    "ProviderError",
    "ProviderSettings",
    "ReturnNotVerified",
    "build_provider",
    "provider_names",
    "register",
]
