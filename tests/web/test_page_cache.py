"""A public page kept whole is answered in front of Flask (portal.web.pagecache) exactly as Flask answered it,
with its own request id and log record; whatever must reach Flask (a session, a language to remember, a HEAD
or GET it has not seen, any other method) still does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, request_started
from flask.testing import FlaskClient

from portal.web.i18n import COOKIE

HOME = "/999997/"
ROUTE = "/<municipality:code>/"


@pytest.fixture()
def into_flask(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests that reached Flask."""
    reached: list[str] = []

    def started(_app: Flask, **_extra: object) -> None:
        from flask import request

        reached.append(request.path)

    request_started.connect(started, app)
    yield reached
    request_started.disconnect(started, app)


def test_a_kept_page_is_answered_in_front_of_flask_with_the_same_bytes_and_headers(
    client: FlaskClient, into_flask: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    first = client.get(HOME)
    assert into_flask == [HOME]
    caplog.clear()
    with caplog.at_level("INFO", logger="portal.web.requestlog"):
        again = client.get(HOME)
    assert into_flask == [HOME]  # the second never reached Flask
    assert again.status_code == 200 and again.data == first.data
    same = {name: value for name, value in first.headers if name != "X-Request-ID"}
    assert {name: value for name, value in again.headers if name != "X-Request-ID"} == same
    assert again.headers["X-Request-ID"] not in ("", first.headers["X-Request-ID"])
    records = {(r.request_id, r.route, r.municipality_code, r.status, r.actor_kind) for r in caplog.records}
    assert records == {(again.headers["X-Request-ID"], ROUTE, "999997", 200, None)}


def test_a_kept_page_answers_304_and_head_without_a_body(client: FlaskClient, into_flask: list[str]) -> None:
    first = client.get(HOME)
    etag = first.headers["ETag"]
    unchanged = client.get(HOME, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
    head = client.head(HOME)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data)) and head.headers["ETag"] == etag
    assert into_flask == [HOME]


def test_a_proxys_request_id_is_kept_by_a_kept_page_as_by_flask(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "REQUEST_ID_HEADER", "X-Request-ID")
    client.get(HOME)
    assert client.get(HOME, headers={"X-Request-ID": "lb-1234"}).headers["X-Request-ID"] == "lb-1234"
    assert client.get(HOME, headers={"X-Request-ID": "no spaces, please"}).headers["X-Request-ID"] != (
        "no spaces, please"
    )


def test_a_language_asked_for_in_the_url_is_remembered_by_flask_even_when_the_page_is_kept(
    app: Flask, client: FlaskClient, into_flask: list[str]
) -> None:
    """A visitor whose cookie says English already gets the kept English page; a new one asking for English in
    the URL reaches Flask, which sets the cookie."""
    settled = app.test_client()
    settled.set_cookie(COOKIE, "en")
    assert '<html lang="en">' in settled.get(HOME, query_string={"lang": "en"}).text
    assert "Set-Cookie" not in settled.get(HOME, query_string={"lang": "en"}).headers
    assert into_flask == [HOME]
    newcomer = app.test_client().get(HOME, query_string={"lang": "en"})
    assert '<html lang="en">' in newcomer.text and f"{COOKIE}=en" in newcomer.headers["Set-Cookie"]
    assert into_flask == [HOME, HOME]


def test_each_language_is_kept_apart(client: FlaskClient) -> None:
    client.get(HOME)
    client.get(HOME, headers={"Accept-Language": "en"})
    assert '<html lang="ja">' in client.get(HOME).text
    assert '<html lang="en">' in client.get(HOME, headers={"Accept-Language": "en"}).text
    assert '<html lang="ko">' in client.get(HOME, headers={"Accept-Language": "ko"}).text


def test_a_visitor_with_a_session_or_a_form_reaches_flask(client: FlaskClient, into_flask: list[str]) -> None:
    client.get(HOME)
    client.set_cookie("session", "anything")
    client.get(HOME)
    client.delete_cookie("session")
    assert client.post(HOME).status_code in (400, 405)  # no copy answers a POST (CSRF or the method refuses it)
    assert into_flask == [HOME, HOME, HOME]


def test_a_page_not_yet_kept_is_rendered_for_a_head_and_kept_from_a_get_only(
    client: FlaskClient, into_flask: list[str]
) -> None:
    assert client.head(HOME).status_code == 200
    assert client.get(HOME).status_code == 200
    assert client.get(HOME).status_code == 200
    assert into_flask == [HOME, HOME]


def test_a_page_that_is_not_shareable_is_never_kept(client: FlaskClient, into_flask: list[str]) -> None:
    """A 404 of an unknown municipality, the login page (which starts a session) and a static file: each reaches
    Flask every time."""
    for path in ("/000000/", "/999997/applications", "/static/css/portal.css"):
        client.get(path)
        client.delete_cookie("session")
        client.get(path)
        client.delete_cookie("session")
    assert into_flask == [path for path in ("/000000/", "/999997/applications", "/static/css/portal.css") for _ in "12"]
