"""A development provider served on a loopback port for the whole session, plus a scripted login."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import pytest

from portal.devidp import create_idp_app, default_clients, serve_in_thread

from .flows import PORTAL_URL, Login, start_login


@pytest.fixture(scope="session")
def idp_url() -> Iterator[str]:
    running = serve_in_thread(None)
    running.mount(create_idp_app(issuer=running.url, clients=default_clients(PORTAL_URL), environment="test"))
    yield running.url
    running.shutdown()


@pytest.fixture
def begin_login(idp_url: str) -> Callable[..., Login]:
    """``begin_login(kind, **params)`` starts a login at the served provider."""
    return partial(start_login, idp_url)
