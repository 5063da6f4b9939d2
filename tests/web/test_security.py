"""Sessions hold no personal data and are renewed at login; logins never bounce elsewhere; headers; refused staff."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.identity import StaffIdentity
from portal.models import Staff
from portal.roles import Role
from portal.services import accounts
from tests.web.conftest import login
from tests.web.journeys import post_form

SESSION_COOKIE = "session"
# What resident-yamada's claims carry (portal/devidp/users.yaml), in every spelling a cookie might use.
PERSONAL = [
    "山田",
    "太郎",
    "ヤマダ",
    "タロウ",
    "1985",
    "千代田",
    "100-0001",
    "resident-yamada",
    "resident_id",
    "profile",
]


def _spellings(text: str) -> list[str]:
    return [text, quote(text), text.encode("unicode_escape").decode("ascii")]


def _decodings(value: str) -> list[str]:
    """The value, and each dot-separated part read as base64 as a signed cookie would carry its payload."""
    decoded = [value]
    for part in value.split("."):
        try:
            decoded.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            continue
    return decoded


def _session_id(client: FlaskClient) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def test_session_cookie_is_an_opaque_id(client: FlaskClient) -> None:
    callback = login(client, "resident", "resident-yamada")
    assert "山田 太郎" in client.get("/999997/").text  # the server does know who this is
    value = _session_id(client)
    set_cookie = " ".join(callback.headers.getlist("Set-Cookie"))
    assert value in set_cookie
    for text in _decodings(value) + [set_cookie]:
        for marker in PERSONAL:
            for spelling in _spellings(marker):
                assert spelling not in text, marker
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_session_id_changes_at_login_and_the_old_one_is_worthless(client: FlaskClient, app: Flask) -> None:
    client.get("/auth/resident/login")  # the session now exists (it holds the login state)
    before_login = _session_id(client)
    login(client, "resident", "resident-yamada")
    after_login = _session_id(client)
    assert after_login != before_login
    assert client.get("/999997/applications").status_code == 200

    planted = app.test_client()
    planted.set_cookie(SESSION_COOKIE, before_login)
    response = planted.get("/999997/applications")
    assert response.status_code == 401 and "もう一度ログインしてください" in response.text  # and nothing else


def test_logout_ends_the_session(client: FlaskClient, app: Flask) -> None:
    login(client, "resident", "resident-yamada")
    logged_in = _session_id(client)
    response = post_form(client, "/auth/logout", {}, token_from="/999997/applications")
    assert response.status_code == 200  # the page that sends the browser on to the provider's logout
    assert _session_id(client) != logged_in
    assert client.get("/999997/applications").status_code == 302

    replayed = app.test_client()
    replayed.set_cookie(SESSION_COOKIE, logged_in)
    response = replayed.get("/999997/applications")
    assert response.status_code == 401 and "もう一度ログインしてください" in response.text  # and nothing else


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",  # browsers drop the tab: //evil.example
        "/\n/evil.example",  # cannot go in a Location header at all
        "/\r\nSet-Cookie: x=1",
        "javascript:alert(1)",
        "evil.example",
    ],
)
@pytest.mark.parametrize(
    ("kind", "sub", "home"), [("resident", "resident-yamada", "/"), ("staff", "staff-mihon-clerk", "/backoffice/")]
)
def test_login_never_redirects_off_site(client: FlaskClient, kind: str, sub: str, home: str, target: str) -> None:
    response = login(client, kind, sub, next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == home


def test_login_returns_to_a_same_site_path(client: FlaskClient) -> None:
    response = login(client, "resident", "resident-yamada", next_path="/999997/procedures/juminhyo/apply")
    assert response.headers["Location"] == "/999997/procedures/juminhyo/apply"


@pytest.mark.parametrize(
    "path", ["/", "/999997/", "/123456/", "/api/postal/1000001", "/api/postal/0000000", "/backoffice/"]
)
def test_security_headers_on_every_kind_of_response(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["Referrer-Policy"] == "same-origin"


# -- staff the portal does not serve -------------------------------------------------------------


def _identity(code: str) -> StaffIdentity:
    return StaffIdentity("someone", "誰か", "someone@example.jp", code, frozenset({Role.CLERK}))


def test_staff_of_a_municipality_not_served_get_no_account(db_session: Session, demo: Any) -> None:
    assert accounts.staff_login(db_session, _identity("131016")) is None  # 千代田区: valid, not served
    assert db_session.scalar(select(func.count()).select_from(Staff)) == 0
    assert accounts.staff_login(db_session, _identity("999997")) is not None


@pytest.mark.parametrize(
    "claims",
    [
        {"municipality": "131016"},  # a real code, but not a municipality this portal serves
        {"municipality": "999998"},  # bad check digit
        {"municipality": "abcdef"},
        {"municipality": None},
        {"roles": []},
        {"roles": ["superuser"]},
        {"sub": ""},
    ],
)
def test_staff_callback_refuses_claims_it_cannot_act_on(
    client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch, claims: dict[str, Any]
) -> None:
    good = {"sub": "staff-x", "name": "誰か", "email": "x@example.jp", "roles": ["clerk"], "municipality": "999997"}
    monkeypatch.setattr("portal.web.auth.oidc.exchange", lambda provider: {**good, **claims})
    client.get("/auth/staff/login", query_string={"next": "/backoffice/"})

    response = client.get("/auth/staff/callback")
    assert response.status_code == 403
    assert "このページを表示する権限がありません" in response.text
    assert db_session.scalar(select(func.count()).select_from(Staff)) == 0
    assert client.get("/backoffice/").status_code == 302  # nobody is logged in


def test_logging_in_as_someone_else_leaves_nothing_of_the_previous_person(client: FlaskClient) -> None:
    """A shared terminal at the city hall: the next resident must not see, or submit, the last one's draft."""
    login(client, "resident", "resident-yamada")
    apply_path = "/999997/procedures/juminhyo/apply"
    draft = post_form(
        client, apply_path, {"family_name": "山田", "address": "東京都千代田区千代田1-1", "phone": "03-1111-2222"}
    )
    assert draft.status_code == 200 and 'value="03-1111-2222"' in client.get(apply_path).text  # kept as a draft

    login(client, "resident", "resident-sato")
    form = client.get(apply_path).text
    assert "03-1111-2222" not in form and 'value="山田"' not in form
    assert 'value="佐藤花子"' in form
    assert client.get("/999997/procedures/juminhyo/confirm").headers["Location"] == apply_path
