"""Response headers per kind of page: nothing of a logged-in person stays in a cache, anonymous pages stay
cacheable, HSTS in production only, forms post only to the portal itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal import create_app
from portal.config import (
    RESIDENT_CLIENT_ID,
    RESIDENT_CLIENT_SECRET,
    STAFF_CLIENT_ID,
    STAFF_CLIENT_SECRET,
    load_settings,
)
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, post_form

CODE = "999997"
ANONYMOUS_PAGES = ["/", f"/{CODE}/", f"/{CODE}/procedures/juminhyo", f"/{CODE}/procedures/sodai_gomi"]
HSTS = "max-age=63072000; includeSubDomains"


def assert_not_stored(response: TestResponse) -> None:
    assert "no-store" in response.cache_control, response.request.path
    assert "cookie" in {value.lower() for value in response.vary}, response.request.path


def assert_cacheable(response: TestResponse) -> None:
    assert "no-store" not in response.headers.get("Cache-Control", ""), response.request.path


@pytest.mark.parametrize("path", [*ANONYMOUS_PAGES, "/api/postal/1000001", "/123456/", "/static/css/portal.css"])
def test_anonymous_pages_keep_a_cacheable_policy(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert_cacheable(response)


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages_vary_on_what_chose_their_language(client: FlaskClient, path: str) -> None:
    """The language follows the ``lang`` cookie, else the browser's Accept-Language: a shared cache must key
    the page by both, or it serves one visitor's English page to the next, Japanese, one."""
    for language in ("en", "ja"):
        response = client.get(path, headers={"Accept-Language": language})
        assert f'<html lang="{language}">' in response.text
        assert {"cookie", "accept-language"} <= {value.lower() for value in response.vary}, path
    chosen_in_url = client.get(f"{path}?lang=en", headers={"Accept-Language": "ja"})
    assert '<html lang="en">' in chosen_in_url.text
    assert "accept-language" not in {value.lower() for value in chosen_in_url.vary}
    static = client.get("/static/css/portal.css", headers={"Accept-Language": "en"})
    assert "accept-language" not in {value.lower() for value in static.vary}  # no language there


def test_every_page_of_a_logged_in_resident_is_kept_out_of_caches(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    pages = [
        *ANONYMOUS_PAGES,  # the header names the person
        f"/{CODE}/applications",
        f"/{CODE}/applications/{reference}",
        f"/{CODE}/applications/{reference}/receipt",
        f"/{CODE}/procedures/juminhyo/apply",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_not_stored(response)
    not_found = client.get(f"/{CODE}/applications/{CODE}-00000-0000")
    redirect = client.get(f"/{CODE}/procedures/juminhyo/confirm")  # no draft: back to the form
    bad_request = client.post(f"/{CODE}/procedures/juminhyo/apply", data=JUMINHYO_ANSWERS)  # no CSRF token
    invalid_form = post_form(client, f"/{CODE}/procedures/juminhyo/apply", {})
    for response, status in ((not_found, 404), (redirect, 302), (bad_request, 400), (invalid_form, 200)):
        assert response.status_code == status
        assert_not_stored(response)
    # Static files hold nothing personal: they keep their own policy.
    assert_cacheable(client.get("/static/css/portal.css"))


def test_every_page_of_a_logged_in_staff_member_is_kept_out_of_caches(client: FlaskClient, make_client: Any) -> None:
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    for path, status in (
        ("/backoffice/", 200),
        ("/backoffice/?state=submitted&procedure=juminhyo", 200),
        (f"/backoffice/submissions/{reference}", 200),
        ("/backoffice/submissions/999989-00000-0000", 404),
        ("/", 200),
    ):
        response = clerk.get(path)
        assert response.status_code == status, path
        assert_not_stored(response)


def test_logging_in_and_out_are_not_cached_and_what_follows_is_anonymous_again(client: FlaskClient) -> None:
    callback = login(client, "resident", "resident-yamada")
    assert callback.status_code == 302
    assert_not_stored(callback)

    token_page = client.get("/")
    logout = post_form(client, "/auth/logout", {}, token_from="/")
    assert logout.status_code == 200  # the page that sends the browser on to the provider's logout
    assert_not_stored(token_page)
    assert_not_stored(logout)  # it still belongs to the person leaving (it carries their id_token_hint)
    assert_cacheable(client.get("/"))


def test_headers_of_every_page(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    for path in [*ANONYMOUS_PAGES, f"/{CODE}/applications", "/nowhere"]:
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        policy = response.headers["Content-Security-Policy"]
        # Forms post to the portal only; hand-offs to identity providers are redirects.
        assert "form-action 'self';" in policy and "http:" not in policy and "https:" not in policy, path
        assert "Strict-Transport-Security" not in response.headers, path  # testing: no HSTS


# -- production ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production_app(database_url: str, idp: Any, signing_dir: Path) -> Flask:
    """Module scope: created before db_session points the shared ``db`` at the test's transaction."""
    discovery = f"{idp.url}/.well-known/openid-configuration"
    return create_app(
        load_settings(
            {
                "MADOGUCHI_ENV": "production",
                "SECRET_KEY": "a production key of at least 32 characters",
                "DATABASE_URL": database_url,
                "REDIS_URL": "redis://127.0.0.1:6379/15",
                "RESIDENT_OIDC_DISCOVERY_URL": discovery,
                "RESIDENT_OIDC_CLIENT_ID": RESIDENT_CLIENT_ID,
                "RESIDENT_OIDC_CLIENT_SECRET": RESIDENT_CLIENT_SECRET,
                "STAFF_OIDC_DISCOVERY_URL": discovery,
                "STAFF_OIDC_CLIENT_ID": STAFF_CLIENT_ID,
                "STAFF_OIDC_CLIENT_SECRET": STAFF_CLIENT_SECRET,
                "PUBLIC_URL": "https://madoguchi.example.jp",
                "CERTIFICATE_HMAC_KEY": "a production verification key of 32+ characters",
                "SIGNING_DIR": str(signing_dir),
                "SMTP_URL": "smtps://mail.example.jp",
                "MAIL_FROM": "窓口 <noreply@madoguchi.example.jp>",
            }
        )
    )


@pytest.mark.parametrize("path", ["/", f"/{CODE}/", "/nowhere", "/static/css/portal.css", "/backoffice/"])
def test_production_sends_hsts_on_every_response(production_app: Flask, client: FlaskClient, path: str) -> None:
    response = production_app.test_client().get(path, base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert response.headers["X-Content-Type-Options"] == "nosniff"
