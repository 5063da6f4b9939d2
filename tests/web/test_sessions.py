"""Sessions are born late and die on time (file cache backend; tests/web/test_sessions_redis.py for Redis).

Browsing stores nothing; a login starting stores its state for at most 15 minutes; a logged-in session
ends after its idle timeout or absolute lifetime, and the next request says so. Time is moved through the
timestamps the session stores, never by sleeping.
"""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.web.sessions import LAST_SEEN
from tests.web.conftest import create_testing_app, login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    db_state,
    fill_in,
    issued,
    move_clock,
    post_form,
    request_in_flight,
    verify_path,
)

CODE = "999997"
APPLICATIONS = f"/{CODE}/applications"
EXPIRED_PAGE = "もう一度ログインしてください"
MINUTE = 60

PUBLIC_PAGES = [
    "/",
    f"/{CODE}/",
    f"/{CODE}/procedures/juminhyo",
    f"/{CODE}/procedures/juminhyo?lang=en",
    "/?lang=ja",
    f"/{CODE}/procedures/nothing-here",  # 404
    "/api/postal/1000001",
]


def stored_files(app: Flask) -> set[Path]:
    return {path for path in Path(app.config["SESSION_DIR"]).iterdir() if not path.name.startswith("__")}


def session_id(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def record(app: Flask, sid: str) -> Any:
    """The stored session of this id, or None when the store has none (or it expired)."""
    return app.session_interface.cache.get(app.config["SESSION_KEY_PREFIX"] + sid)


def record_expires(app: Flask, sid: str) -> int:
    """When the file cache will let the record go (cachelib writes the expiry first)."""
    cache = app.session_interface.cache
    with open(cache._get_filename(app.config["SESSION_KEY_PREFIX"] + sid), "rb") as stored:
        return struct.unpack("I", stored.read(4))[0]


def session_set_cookie(response: Any) -> str | None:
    found = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    return found[0] if found else None


def assert_stores_nothing(app: Flask, client: FlaskClient, request: Callable[[], Any]) -> None:
    before = stored_files(app)
    response = request()
    assert response.status_code in (200, 404), response.request.path
    assert session_set_cookie(response) is None and client.get_cookie("session") is None, response.request.path
    assert stored_files(app) == before, response.request.path


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_anonymous_browsing_stores_nothing(app: Flask, client: FlaskClient, path: str) -> None:
    assert_stores_nothing(app, client, lambda: client.get(path))


def test_checking_a_certificate_anonymously_stores_nothing(
    app: Flask, client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    """The page a certificate's QR code opens, and comparing a PDF there, as anyone holding the paper does."""
    _, certificate = issued(client, make_client, db_session)
    anonymous = app.test_client()
    issued_page = verify_path(certificate)
    for path in (issued_page, f"/verify/{CODE}-2000-999999?c={certificate.verification_code}"):
        assert_stores_nothing(app, anonymous, lambda path=path: anonymous.get(path))
    upload = {"pdf": (io.BytesIO(certificate.pdf), "certificate.pdf", "application/pdf")}
    assert_stores_nothing(app, anonymous, lambda: anonymous.post(issued_page, data=upload))


def test_the_language_is_remembered_in_a_cookie_holding_only_its_code(app: Flask, client: FlaskClient) -> None:
    before = stored_files(app)
    response = client.get(f"/{CODE}/procedures/juminhyo?lang=en")
    [set_cookie] = response.headers.getlist("Set-Cookie")
    assert set_cookie.startswith("lang=en;") and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert '<html lang="en">' in client.get(f"/{CODE}/").text
    assert client.get(f"/{CODE}/").headers.getlist("Set-Cookie") == []  # already remembered
    assert stored_files(app) == before


def test_a_login_start_keeps_its_state_for_at_most_15_minutes(app: Flask, client: FlaskClient) -> None:
    started = time.time()
    client.get("/auth/resident/login")
    sid = session_id(client)
    assert "state" in str(record(app, sid))  # the provider's state, nonce and PKCE verifier
    assert started + 14 * MINUTE <= record_expires(app, sid) <= time.time() + 15 * MINUTE
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    assert cookie.expires.timestamp() <= time.time() + 15 * MINUTE


@pytest.mark.parametrize(
    ("kind", "sub", "idle_minutes"), [("resident", "resident-yamada", 30), ("staff", "staff-mihon-clerk", 60)]
)
def test_a_logged_in_record_expires_with_the_idle_timeout(
    app: Flask, client: FlaskClient, kind: str, sub: str, idle_minutes: int
) -> None:
    callback = login(client, kind, sub)
    assert "Expires" not in (session_set_cookie(callback) or "")  # the browser forgets it when it closes
    sid = session_id(client)
    assert (idle_minutes - 1) * MINUTE <= record_expires(app, sid) - time.time() <= idle_minutes * MINUTE


def test_activity_within_the_idle_timeout_keeps_the_session(app: Flask, client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    move_clock(client, idle_for=29 * MINUTE, logged_in_for=11 * 60 * MINUTE)
    assert client.get(APPLICATIONS).status_code == 200
    assert time.time() - record(app, session_id(client))[LAST_SEEN] < MINUTE  # the clock starts again


def test_activity_is_noted_at_most_once_a_minute(app: Flask, client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    client.get(APPLICATIONS)  # shows (and so removes) the flashed 「ログインしました。」
    sid = session_id(client)
    move_clock(client, idle_for=50)
    noted = record(app, sid)[LAST_SEEN]
    response = client.get(APPLICATIONS)
    assert response.status_code == 200 and session_set_cookie(response) is None
    assert record(app, sid)[LAST_SEEN] == noted  # nothing written

    move_clock(client, idle_for=MINUTE)
    response = client.get(APPLICATIONS)
    assert response.status_code == 200 and session_set_cookie(response) is not None
    assert record(app, sid)[LAST_SEEN] > noted


def test_a_request_that_began_before_the_logout_does_not_log_the_person_back_in(
    app: Flask, client: FlaskClient
) -> None:
    login(client, "resident", "resident-yamada")
    before = session_id(client)
    with request_in_flight(client):
        assert post_form(client, "/auth/logout", {}, token_from=APPLICATIONS).status_code == 200
        after = session_id(client)  # the logout's own short session (its state for the provider's return)
        assert record(app, before) is None
    assert record(app, before) is None  # the old record, resident id and all, did not come back
    assert session_id(client) == after  # nor did its cookie
    page = client.get(APPLICATIONS)
    assert page.status_code == 302 and urlsplit(page.headers["Location"]).path == "/auth/resident/login"


def test_a_request_in_flight_keeps_the_session_when_nobody_logged_out(app: Flask, client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    sid = session_id(client)
    with request_in_flight(client):
        pass
    assert record(app, sid) is not None and session_id(client) == sid
    assert client.get(APPLICATIONS).status_code == 200


def expired_page(response: Any, login_path: str, next_path: str | None) -> None:
    assert response.status_code == 401
    assert EXPIRED_PAGE in response.text and 'class="site-header"' in response.text
    link = response.text.split('class="button button--primary" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert urlsplit(link).path == login_path
    assert parse_qs(urlsplit(link).query).get("next") == ([next_path] if next_path else None)


@pytest.mark.parametrize(
    ("clock", "why"),
    [
        ({"idle_for": 31 * MINUTE}, "idle"),
        ({"idle_for": MINUTE, "logged_in_for": 12 * 60 * MINUTE + 1}, "absolute lifetime"),
    ],
)
def test_a_resident_past_a_timeout_is_asked_to_log_in_again_and_the_session_is_destroyed(
    app: Flask, client: FlaskClient, clock: dict[str, int], why: str
) -> None:
    login(client, "resident", "resident-yamada")
    sid = session_id(client)
    move_clock(client, **clock)

    response = client.get(f"{APPLICATIONS}?page=2")
    expired_page(response, "/auth/resident/login", f"{APPLICATIONS}?page=2")
    assert record(app, sid) is None, why
    assert client.get_cookie("session") is None
    # Nothing is left: the next request is an anonymous one, sent to log in as usual.
    assert client.get(APPLICATIONS).status_code == 302


def test_staff_have_their_own_idle_timeout(app: Flask, client: FlaskClient) -> None:
    login(client, "staff", "staff-mihon-clerk")
    move_clock(client, idle_for=59 * MINUTE)
    assert client.get("/backoffice/").status_code == 200
    sid = session_id(client)
    move_clock(client, idle_for=61 * MINUTE)
    expired_page(client.get("/backoffice/"), "/auth/staff/login", "/backoffice/")
    assert record(app, sid) is None


def test_a_session_the_store_already_expired_gets_the_same_answer(app: Flask, client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    app.session_interface.cache.delete(app.config["SESSION_KEY_PREFIX"] + session_id(client))
    expired_page(client.get(f"/{CODE}/"), "/auth/resident/login", f"/{CODE}/")
    assert client.get_cookie("session") is None


def test_a_form_sent_after_the_timeout_does_nothing_and_leads_back_to_its_page(
    client: FlaskClient, db_session: Session
) -> None:
    login(client, "resident", "resident-yamada")
    assert fill_in(client, CODE, "juminhyo", JUMINHYO_ANSWERS).status_code == 302
    before = db_state(db_session)
    confirm = f"/{CODE}/procedures/juminhyo/confirm"
    token = client.get(confirm).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    move_clock(client, idle_for=31 * MINUTE)

    response = client.post(confirm, data={"csrf_token": token}, headers={"Referer": f"http://localhost{confirm}"})
    expired_page(response, "/auth/resident/login", confirm)
    assert db_state(db_session) == before


def test_logging_in_again_is_not_interrupted_by_the_expired_session(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    move_clock(client, idle_for=31 * MINUTE)
    assert login(client, "resident", "resident-yamada").status_code == 302
    assert client.get(APPLICATIONS).status_code == 200


@pytest.fixture(scope="module")
def short_idle_app(idp, database_url: str, engine: object, tmp_path_factory: pytest.TempPathFactory) -> Flask:  # type: ignore[no-untyped-def]
    return create_testing_app(
        idp,
        database_url,
        SESSION_DIR=str(tmp_path_factory.mktemp("short-sessions")),
        RESIDENT_IDLE_MINUTES="5",
        SESSION_MAX_HOURS="1",
    )


def test_the_timeouts_are_settings(short_idle_app: Flask, db_session: Session, demo: Any) -> None:
    client = short_idle_app.test_client()
    login(client, "resident", "resident-yamada")
    assert 4 * MINUTE <= record_expires(short_idle_app, session_id(client)) - time.time() <= 5 * MINUTE
    move_clock(client, idle_for=6 * MINUTE)
    assert client.get(APPLICATIONS).status_code == 401

    login(client, "resident", "resident-yamada")
    move_clock(client, idle_for=MINUTE, logged_in_for=61 * MINUTE)
    assert client.get(APPLICATIONS).status_code == 401


def test_the_record_never_outlives_the_absolute_lifetime(app: Flask, client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    move_clock(client, idle_for=2 * MINUTE, logged_in_for=12 * 60 * MINUTE - 10 * MINUTE)
    assert session_set_cookie(client.get(APPLICATIONS)) is not None  # the request wrote the record
    assert record_expires(app, session_id(client)) - time.time() <= 10 * MINUTE


def test_the_expired_page_is_translated(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    move_clock(client, idle_for=31 * MINUTE)
    response = client.get(f"/{CODE}/?lang=en")
    assert response.status_code == 401 and "Please log in again" in response.text
