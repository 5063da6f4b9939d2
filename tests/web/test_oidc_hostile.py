"""Against a provider that lies or breaks, the portal refuses the login with its error page, never a 500.

Each broken answer differs from a good one in one thing; "good" logs in, so the refusal is that one flaw.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import Resident

from .hostile_provider import CLAIM_FLAWS, CLIENT_ID, CLIENT_SECRET, SUB, HostileProvider, log_in

RESIDENT_ONLY = "/999997/applications"


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileProvider]:
    provider = HostileProvider()
    yield provider
    provider.shutdown()


@pytest.fixture
def portal_for(hostile: HostileProvider, build_app: Callable[..., Flask], demo: object) -> Callable[..., Flask]:
    """``portal_for(behaviour, **settings)``: a portal whose resident provider is the hostile one, behaving so."""

    def build(behaviour: str, **settings: str) -> Flask:
        hostile.behaviour = behaviour
        return build_app(
            RESIDENT_OIDC_DISCOVERY_URL=hostile.discovery_url,
            RESIDENT_OIDC_CLIENT_ID=CLIENT_ID,
            RESIDENT_OIDC_CLIENT_SECRET=CLIENT_SECRET,
            **settings,
        )

    return build


def assert_not_logged_in(browser: FlaskClient, db_session: Session) -> None:
    page = browser.get(RESIDENT_ONLY)
    assert page.status_code == 302 and urlsplit(page.headers["Location"]).path == "/auth/resident/login"
    assert db_session.query(Resident).filter_by(subject=SUB).count() == 0


def test_a_good_answer_logs_in(portal_for, db_session):
    browser = portal_for("good", RESIDENT_OIDC_MAX_AGE="600", RESIDENT_OIDC_ACR_VALUES="aal2 aal3").test_client()
    response = log_in(browser)
    assert response.status_code == 302, response.text
    assert browser.get(RESIDENT_ONLY).status_code == 200
    assert db_session.query(Resident).filter_by(subject=SUB).count() == 1


BROKEN = sorted(
    set(CLAIM_FLAWS) - {"auth_time missing", "auth_time too old", "acr other than requested"}
    | {
        "alg none",
        "signed by another key",
        "unknown kid",
        "no ID token",
        "token endpoint 500",
        "token endpoint answers HTML",
        "token endpoint unreachable",
        "userinfo 500",
        "userinfo about someone else",
        "userinfo not an object",
        "JWKS not a key set",
        "JWKS with a malformed key",
        "token response without access_token",
    }
)
# A discovery document a login cannot start from: the login start answers with the error page.
BROKEN_DISCOVERY = [
    "discovery not an object",
    "discovery without authorization_endpoint",
    "discovery without token_endpoint",
    "discovery without jwks_uri",
]


@pytest.mark.parametrize("behaviour", BROKEN)
def test_a_broken_answer_is_refused(portal_for, db_session, caplog, behaviour):
    browser = portal_for(behaviour).test_client()
    with caplog.at_level(logging.WARNING, logger="portal.web.auth"):
        response = log_in(browser)
    assert response.status_code == 400
    assert "ログインできませんでした。もう一度お試しください。" in response.text
    assert '<html lang="ja">' in response.text  # the portal's own error page
    assert_not_logged_in(browser, db_session)
    [record] = [r for r in caplog.records if r.name.startswith("portal.web.auth")]
    assert record.getMessage().startswith("resident login refused (")


@pytest.mark.parametrize(
    ("behaviour", "settings"),
    [
        ("auth_time missing", {"RESIDENT_OIDC_MAX_AGE": "600"}),
        ("auth_time too old", {"RESIDENT_OIDC_MAX_AGE": "600"}),
        ("acr other than requested", {"RESIDENT_OIDC_ACR_VALUES": "aal2 aal3"}),
    ],
)
def test_what_the_registration_requires_is_checked(portal_for, db_session, behaviour, settings):
    browser = portal_for(behaviour, **settings).test_client()
    assert log_in(browser).status_code == 400
    assert_not_logged_in(browser, db_session)
    # The same token is fine for a registration that did not ask for it.
    assert log_in(portal_for(behaviour).test_client()).status_code == 302


def test_the_request_carries_the_registration_options(portal_for):
    browser = portal_for(
        "good", RESIDENT_OIDC_MAX_AGE="0", RESIDENT_OIDC_PROMPT="login", RESIDENT_OIDC_ACR_VALUES="aal2"
    )
    query = urlsplit(browser.test_client().get("/auth/resident/login").headers["Location"]).query
    assert "max_age=0" in query and "prompt=login" in query and "acr_values=aal2" in query


def test_the_log_names_the_reason_but_no_token(portal_for, caplog):
    browser = portal_for("nonce mismatch").test_client()
    with caplog.at_level(logging.WARNING, logger="portal.web.auth"):
        log_in(browser)
    [message] = [r.getMessage() for r in caplog.records if r.name.startswith("portal.web.auth")]
    assert "nonce" in message and "InvalidClaimError" in message
    assert "eyJ" not in message and SUB not in message  # no JWT, no claim value


@pytest.mark.parametrize("behaviour", BROKEN_DISCOVERY)
def test_a_broken_discovery_document_is_an_error_page_at_login_start(portal_for, db_session, caplog, behaviour):
    browser = portal_for(behaviour).test_client()
    with caplog.at_level(logging.WARNING, logger="portal.web.auth"):
        response = browser.get("/auth/resident/login")
    assert response.status_code == 400 and '<html lang="ja">' in response.text
    assert "ログインできませんでした。もう一度お試しください。" in response.text
    assert_not_logged_in(browser, db_session)
    [record] = [r for r in caplog.records if r.name.startswith("portal.web.auth")]
    assert record.getMessage().startswith("resident login refused (LoginFailed): the discovery document")


def test_an_unreachable_provider_at_login_start_is_an_error_page(build_app, db_session, demo):
    browser = build_app(RESIDENT_OIDC_DISCOVERY_URL="http://127.0.0.1:9/.well-known/openid-configuration").test_client()
    response = browser.get("/auth/resident/login")
    assert response.status_code == 400 and '<html lang="ja">' in response.text
    assert "ログインできませんでした。もう一度お試しください。" in response.text
    assert_not_logged_in(browser, db_session)


def test_a_bug_of_ours_is_not_passed_off_as_the_providers_fault(portal_for, db_session, caplog, monkeypatch):
    """Only the provider's answers are a refused login; an error in our own code must surface (a 500)."""

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug of ours")

    monkeypatch.setattr("portal.web.auth.oidc.verify_id_token", broken)
    browser = portal_for("good").test_client()
    with caplog.at_level(logging.WARNING, logger="portal.web.auth"), pytest.raises(KeyError):
        log_in(browser)  # the testing app propagates what would be a 500
    assert not [r for r in caplog.records if r.name.startswith("portal.web.auth")]
    assert_not_logged_in(browser, db_session)
