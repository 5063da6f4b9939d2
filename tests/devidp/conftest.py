"""A development provider served on a loopback port for the whole session, plus a scripted login."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from portal.devidp import create_idp_app, default_clients, serve_in_thread

from .flows import PORTAL_URL, Login, start_login


def served(translations: Path | None = None) -> Iterator[str]:
    """A provider on a loopback port, speaking the languages whose catalogs are in ``translations`` (default
    translations/); its URL."""
    running = serve_in_thread(None)
    running.mount(
        create_idp_app(
            issuer=running.url, clients=default_clients(PORTAL_URL), environment="test", translations=translations
        )
    )
    yield running.url
    running.shutdown()


@pytest.fixture(scope="session")
def idp_url() -> Iterator[str]:
    yield from served()


@pytest.fixture
def begin_login(idp_url: str) -> Callable[..., Login]:
    """``begin_login(kind, **params)`` starts a login at the served provider."""
    return partial(start_login, idp_url)
