"""The explicit registry of payment providers: ``PAYMENT_PROVIDER`` names one, refused at start when unknown.

Providers register themselves from their modules (:mod:`portal.payments.dev`); each is built once at start
from :class:`ProviderSettings`, and services receive the built provider (never look one up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.payments.provider import PaymentProvider


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach the configured provider."""

    name: str
    url: str  # its API's base URL
    key: str = field(repr=False)  # the secret the portal authenticates with


Factory = Callable[[ProviderSettings], "PaymentProvider"]

_FACTORIES: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Register ``factory(settings) -> provider`` under ``name``; twice is a programming error."""

    def add(factory: Factory) -> Factory:
        if name in _FACTORIES:
            raise ValueError(f"payment provider {name!r} is already registered")
        _FACTORIES[name] = factory
        return factory

    return add


def provider_names() -> frozenset[str]:
    _load_builtin_providers()
    return frozenset(_FACTORIES)


def build_provider(settings: ProviderSettings | None) -> PaymentProvider | None:
    """The configured provider, or None when none is (online payment is then refused with a reason)."""
    if settings is None:
        return None
    _load_builtin_providers()
    try:
        factory = _FACTORIES[settings.name]
    except KeyError:
        known = ", ".join(sorted(_FACTORIES))
        raise KeyError(f"unknown payment provider {settings.name!r}; known providers: {known}") from None
    return factory(settings)


def _load_builtin_providers() -> None:
    """Imported on first use, so configuration reads the names without the providers' dependencies."""
    from portal.payments import dev  # noqa: F401  (it registers itself)
