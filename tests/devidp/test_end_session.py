"""RP-initiated logout at the development provider: back to a registered post_logout_redirect_uri only, for
the client named by client_id (what the portal sends) or id_token_hint."""

from __future__ import annotations

from collections.abc import Callable

import requests

from portal.devidp import RESIDENT_CLIENT_ID, STAFF_CLIENT_ID

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


def test_the_client_id_names_the_client_instead_of_an_id_token(idp_url):
    response = end_session(idp_url, client_id=RESIDENT_CLIENT_ID, post_logout_redirect_uri=LOGGED_OUT, state="s-2")
    assert response.status_code == 302 and response.headers["Location"] == f"{LOGGED_OUT}?state=s-2"
    staff = end_session(idp_url, client_id=STAFF_CLIENT_ID, post_logout_redirect_uri=LOGGED_OUT)
    assert staff.status_code == 302 and staff.headers["Location"] == LOGGED_OUT


def test_a_client_id_with_an_unregistered_uri_or_unknown_gets_a_page_not_a_redirect(idp_url):
    elsewhere = end_session(idp_url, client_id=RESIDENT_CLIENT_ID, post_logout_redirect_uri="https://evil.example/")
    assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers
    unknown = end_session(idp_url, client_id="someone-else", post_logout_redirect_uri=LOGGED_OUT)
    assert unknown.status_code == 400 and "Location" not in unknown.headers
    empty = end_session(idp_url, client_id="", post_logout_redirect_uri=LOGGED_OUT)
    assert empty.status_code == 400 and "Location" not in empty.headers


def test_a_client_id_and_a_hint_must_name_the_same_client(idp_url, begin_login):
    hint = id_token(begin_login)
    both = end_session(idp_url, client_id=RESIDENT_CLIENT_ID, id_token_hint=hint, post_logout_redirect_uri=LOGGED_OUT)
    assert both.status_code == 302
    other = end_session(idp_url, client_id=STAFF_CLIENT_ID, id_token_hint=hint, post_logout_redirect_uri=LOGGED_OUT)
    assert other.status_code == 400 and "Location" not in other.headers


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
