"""RP-initiated logout at the development provider: back to a registered post_logout_redirect_uri only."""

from __future__ import annotations

from collections.abc import Callable

import requests

from .flows import PORTAL_URL, Login

LOGGED_OUT = f"{PORTAL_URL}/auth/logged-out"


def id_token(begin_login: Callable[..., Login], kind: str = "resident", sub: str = "resident-yamada") -> str:
    login = begin_login(kind)
    token: str = login.fetch_token(login.callback(sub), code_verifier=login.code_verifier)["id_token"]
    return token


def end_session(idp_url: str, **params: str) -> requests.Response:
    return requests.get(f"{idp_url}/logout", params=params, allow_redirects=False, timeout=5)


def test_logout_returns_to_the_registered_uri_with_the_state(idp_url, begin_login):
    response = end_session(
        idp_url, id_token_hint=id_token(begin_login), post_logout_redirect_uri=LOGGED_OUT, state="s-1"
    )
    assert response.status_code == 302 and response.headers["Location"] == f"{LOGGED_OUT}?state=s-1"
    staff = id_token(begin_login, "staff", "staff-mihon-clerk")
    assert end_session(idp_url, id_token_hint=staff, post_logout_redirect_uri=LOGGED_OUT).status_code == 302


def test_an_unregistered_uri_or_a_forged_hint_gets_a_page_not_a_redirect(idp_url, begin_login):
    hint = id_token(begin_login)
    elsewhere = end_session(idp_url, id_token_hint=hint, post_logout_redirect_uri="https://evil.example/")
    assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers
    forged = hint[:-4] + ("AAAA" if not hint.endswith("AAAA") else "BBBB")
    assert end_session(idp_url, id_token_hint=forged, post_logout_redirect_uri=LOGGED_OUT).status_code == 400
    assert end_session(idp_url, post_logout_redirect_uri=LOGGED_OUT).status_code == 400


def test_without_a_redirect_uri_the_provider_says_so(idp_url):
    response = end_session(idp_url)
    assert response.status_code == 200 and "ログアウトしました" in response.text
