"""RP-initiated logout: the local session ends at once, then the browser is sent to the provider's
end_session_endpoint by a page (not a redirect after the POST, which CSP form-action 'self' would block),
and comes back to /auth/logged-out with the state."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import requests
from flask.testing import FlaskClient

from portal.web.auth.views import LOGIN_KEY

from .conftest import login
from .hostile_provider import CLIENT_ID, CLIENT_SECRET, HostileProvider, log_in
from .journeys import post_form

RESIDENT_ONLY = "/999997/applications"


def log_out(client: FlaskClient) -> str:
    """Press the logout button; return the provider URL the page sends the browser on to."""
    page = post_form(client, "/auth/logout", {}, token_from=RESIDENT_ONLY)
    assert page.status_code == 200
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', page.text)
    link = re.search(r'<a class="button" href="([^"]+)">', page.text)
    assert refresh and link and refresh.group(1) == link.group(1)
    return html.unescape(link.group(1))


def test_logout_ends_the_local_session_then_the_providers(client: FlaskClient, idp) -> None:  # type: ignore[no-untyped-def]
    login(client, "resident", "resident-yamada")
    end_session = log_out(client)
    assert client.get(RESIDENT_ONLY).status_code == 302  # logged out here before the provider is even asked

    target = urlsplit(end_session)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{idp.url}/logout"
    params = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert params["post_logout_redirect_uri"] == "http://localhost/auth/logged-out"
    assert params["id_token_hint"].count(".") == 2 and params["state"]

    back = requests.get(end_session, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    returned = urlsplit(back.headers["Location"])
    assert returned.path == "/auth/logged-out" and parse_qs(returned.query)["state"] == [params["state"]]
    home = client.get(f"{returned.path}?{returned.query}")
    assert home.status_code == 302
    assert "ログアウトしました。" in client.get(home.headers["Location"]).text
    assert client.get(RESIDENT_ONLY).status_code == 302


def test_the_id_token_stays_on_the_server(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    login(client, "resident", "resident-yamada")
    with client.session_transaction() as session:
        provider, id_token = session[LOGIN_KEY]
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert provider == "resident" and cookie is not None
    assert id_token not in cookie.value and len(cookie.value) < 100  # the browser holds an opaque id only


def test_a_return_with_another_state_says_nothing(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    log_out(client)
    home = client.get("/auth/logged-out?state=forged")
    assert home.status_code == 302
    assert "ログアウトしました。" not in client.get(home.headers["Location"]).text
    assert client.get(RESIDENT_ONLY).status_code == 302


def test_staff_log_out_at_the_provider_too(make_client) -> None:  # type: ignore[no-untyped-def]
    clerk = make_client("staff", "staff-mihon-clerk")
    page = post_form(clerk, "/auth/logout", {}, token_from="/backoffice/")
    assert page.status_code == 200 and "id_token_hint=" in page.text
    assert clerk.get("/backoffice/").status_code == 302


def test_without_an_end_session_endpoint_logout_stays_local(build_app, demo) -> None:  # type: ignore[no-untyped-def]
    hostile = HostileProvider()
    try:
        portal = build_app(
            RESIDENT_OIDC_DISCOVERY_URL=hostile.discovery_url,
            RESIDENT_OIDC_CLIENT_ID=CLIENT_ID,
            RESIDENT_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        )
        browser = portal.test_client()
        assert log_in(browser).status_code == 302
        response = post_form(browser, "/auth/logout", {}, token_from=RESIDENT_ONLY)
        assert response.status_code == 302
        assert "ログアウトしました。" in browser.get(response.headers["Location"]).text
        assert browser.get(RESIDENT_ONLY).status_code == 302
    finally:
        hostile.shutdown()
