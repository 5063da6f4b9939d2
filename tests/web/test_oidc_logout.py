"""RP-initiated logout: the local session ends at once, then the browser is sent to the provider's
end_session_endpoint by a page (not a redirect after the POST, which CSP form-action 'self' would block),
and comes back to /auth/logged-out with the state. The URL names our client_id, never an ID token (which holds
the person's name, address and birthdate and would stay in the browser history); a session that timed out is
logged out at the provider all the same."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask.testing import FlaskClient

from portal.config import RESIDENT_CLIENT_ID, STAFF_CLIENT_ID

from .conftest import login
from .hostile_provider import CLIENT_ID, CLIENT_SECRET, HostileProvider, log_in
from .journeys import flashed, hidden_inputs, move_clock, post_form

RESIDENT_ONLY = "/999997/applications"
MINUTE = 60


def log_out(client: FlaskClient) -> str:
    """Press the logout button; return the provider URL the page sends the browser on to."""
    return provider_logout(post_form(client, "/auth/logout", {}, token_from=RESIDENT_ONLY))


def provider_logout(page) -> str:  # type: ignore[no-untyped-def]
    """The provider URL the logout page sends the browser on to, by meta refresh and by link alike."""
    assert page.status_code == 200, page.text
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
    assert params.keys() == {"client_id", "post_logout_redirect_uri", "state", "ui_locales"}  # no id_token_hint
    assert params["client_id"] == RESIDENT_CLIENT_ID and params["state"] and params["ui_locales"] == "ja"
    assert params["post_logout_redirect_uri"] == "http://localhost/auth/logged-out"

    back = requests.get(end_session, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    returned = urlsplit(back.headers["Location"])
    assert returned.path == "/auth/logged-out" and parse_qs(returned.query)["state"] == [params["state"]]
    home = client.get(f"{returned.path}?{returned.query}")
    assert home.status_code == 302
    assert "ログアウトしました。" in client.get(home.headers["Location"]).text
    assert client.get(RESIDENT_ONLY).status_code == 302


def test_the_id_token_is_kept_nowhere(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    login(client, "resident", "resident-yamada")
    with client.session_transaction() as session:
        stored = dict(session)
    assert "eyJ" not in repr(stored)  # no JWT (its header is base64url of '{"'), only ids and clocks
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None and len(cookie.value) < 100  # the browser holds an opaque id only
    assert "eyJ" not in post_form(client, "/auth/logout", {}, token_from=RESIDENT_ONLY).text


def test_a_return_with_another_state_says_nothing(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    log_out(client)
    home = client.get("/auth/logged-out?state=forged")
    assert home.status_code == 302
    assert "ログアウトしました。" not in client.get(home.headers["Location"]).text
    assert client.get(RESIDENT_ONLY).status_code == 302


def test_staff_log_out_at_the_provider_too(make_client) -> None:  # type: ignore[no-untyped-def]
    clerk = make_client("staff", "staff-mihon-clerk")
    end_session = provider_logout(post_form(clerk, "/auth/logout", {}, token_from="/backoffice/"))
    assert parse_qs(urlsplit(end_session).query)["client_id"] == [STAFF_CLIENT_ID]
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


def test_a_logout_after_the_idle_timeout_still_ends_the_providers_session(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    login(client, "resident", "resident-yamada")
    form = hidden_inputs(client, RESIDENT_ONLY)  # the page was open when the person walked away
    sid = client.get_cookie("session").value
    move_clock(client, idle_for=31 * MINUTE)

    end_session = provider_logout(client.post("/auth/logout", data=form))
    assert app.session_interface.cache.get(app.config["SESSION_KEY_PREFIX"] + sid) is None
    assert parse_qs(urlsplit(end_session).query)["client_id"] == [RESIDENT_CLIENT_ID]
    back = requests.get(end_session, allow_redirects=False, timeout=10)
    returned = urlsplit(back.headers["Location"])
    assert "ログアウトしました。" in flashed(client, client.get(f"{returned.path}?{returned.query}"))
    assert client.get(RESIDENT_ONLY).status_code == 302


def test_a_staff_logout_whose_record_the_store_already_expired_goes_to_the_staff_provider(  # type: ignore[no-untyped-def]
    make_client, app
) -> None:
    clerk = make_client("staff", "staff-mihon-clerk")
    form = hidden_inputs(clerk, "/backoffice/")
    assert form["provider"] == "staff"
    app.session_interface.cache.delete(app.config["SESSION_KEY_PREFIX"] + clerk.get_cookie("session").value)

    end_session = provider_logout(clerk.post("/auth/logout", data=form))
    assert parse_qs(urlsplit(end_session).query)["client_id"] == [STAFF_CLIENT_ID]
    assert clerk.get("/backoffice/").status_code == 302


@pytest.mark.parametrize("provider", ["https://evil.example/", "", "admin"])
def test_a_timed_out_logout_naming_no_provider_of_ours_stays_local(client: FlaskClient, app, provider: str) -> None:  # type: ignore[no-untyped-def]
    login(client, "resident", "resident-yamada")
    form = hidden_inputs(client, RESIDENT_ONLY)
    app.session_interface.cache.delete(app.config["SESSION_KEY_PREFIX"] + client.get_cookie("session").value)
    response = client.post("/auth/logout", data={**form, "provider": provider})
    assert "ログアウトしました。" in flashed(client, response)
    assert client.get(RESIDENT_ONLY).status_code == 302


def test_a_live_session_needs_its_csrf_token_to_log_out_and_names_its_own_provider(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    form = hidden_inputs(client, RESIDENT_ONLY)
    for forged in ({**form, "csrf_token": "forged"}, {"provider": "resident"}):
        refused = client.post("/auth/logout", data=forged)
        assert refused.status_code == 400 and '<html lang="ja">' in refused.text
        assert client.get(RESIDENT_ONLY).status_code == 200  # still logged in: nothing changed
    end_session = provider_logout(client.post("/auth/logout", data={**form, "provider": "staff"}))
    assert parse_qs(urlsplit(end_session).query)["client_id"] == [RESIDENT_CLIENT_ID]  # the session says whose
