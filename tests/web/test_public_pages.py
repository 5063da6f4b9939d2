"""Anonymous public pages are rendered once per content version and may be kept by a CDN (public, max-age, ETag,
304); anyone with a session gets the page rendered for them, and a logged-in person's is never stored. A
settings change or a publication shows at once in this process and, through the content token, in another app
instance; a page costs a fixed number of queries, one once it is kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from portal.models.content import new_token
from portal.services.actors import Administrator
from portal.services.municipalities import Details, Terms, set_procedure, update_municipality
from portal.web.current import current_procedures
from portal.web.public import MAX_AGE
from tests.statements import statements
from tests.web.catalogcopy import edit
from tests.web.conftest import login

MIHON = "999997"
HOME = f"/{MIHON}/"
PROCEDURE = f"/{MIHON}/procedures/sodai_gomi"
FORM = f"/{MIHON}/procedures/sodai_gomi/apply"
DETAILS = Details(name="見本市", prefecture="見本県", mayor_title="見本市長", mayor_name="見本 太郎")
OPERATOR = Administrator.command_line("テスト")


def test_an_anonymous_page_is_public_with_an_etag_and_answers_304_when_it_is_unchanged(client: FlaskClient) -> None:
    first = client.get(HOME)
    assert first.status_code == 200 and "見本市" in first.text
    assert first.headers["Cache-Control"] == f"public, max-age={MAX_AGE}"
    etag = first.headers["ETag"]
    again = client.get(HOME, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    for response in (first, again):  # the security headers and the request id as on any response
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Request-ID"]
    other = client.get(HOME, headers={"If-None-Match": '"an-older-page"'})
    assert other.status_code == 200 and other.data == first.data and other.headers["ETag"] == etag
    assert client.get(PROCEDURE).headers["ETag"] not in (etag, None)


def test_each_language_is_a_page_of_its_own_and_vary_says_what_chose_it(client: FlaskClient) -> None:
    japanese = client.get(HOME)
    english = client.get(HOME, headers={"Accept-Language": "en"})
    assert japanese.headers["ETag"] != english.headers["ETag"]
    assert '<html lang="ja">' in japanese.text and '<html lang="en">' in english.text
    assert {"Cookie", "Accept-Language"} <= set(english.headers["Vary"].replace(" ", "").split(","))
    by_address = client.get(HOME, query_string={"lang": "en"})  # the URL alone decides: no Vary needed
    assert by_address.headers["ETag"] == english.headers["ETag"]


def test_a_logged_in_resident_gets_their_own_page_never_stored(client: FlaskClient) -> None:
    etag = client.get(HOME).headers["ETag"]
    login(client, "resident", "resident-yamada")
    page = client.get(HOME, headers={"If-None-Match": etag})
    assert page.status_code == 200 and "ログイン中" in page.text
    assert page.headers["Cache-Control"] == "no-store" and "ETag" not in page.headers
    assert "Cookie" in page.headers["Vary"]


def test_a_visitor_with_any_session_gets_a_page_rendered_for_them(client: FlaskClient) -> None:
    shared = client.get(PROCEDURE)
    assert client.get("/auth/resident/login").status_code == 302  # a login starting keeps its state
    assert client.get_cookie("session") is not None
    page = client.get(PROCEDURE, headers={"If-None-Match": shared.headers["ETag"]})
    assert page.status_code == 200 and page.text == shared.text
    assert "ETag" not in page.headers and "public" not in page.headers.get("Cache-Control", "")


def test_a_municipality_settings_change_shows_on_the_next_request(client: FlaskClient, db_session: Session) -> None:
    before = client.get(HOME)
    assert "見本市" in before.text and "粗大ごみ収集の申込" in before.text
    update_municipality(db_session, OPERATOR, MIHON, replace(DETAILS, name="新見本市"))
    after = client.get(HOME, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "新見本市" in after.text
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_procedure_no_longer_offered_leaves_both_pages_at_once(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    assert client.get(PROCEDURE).status_code == 200 and "粗大ごみ収集の申込" in client.get(HOME).text
    with app.app_context():
        procedures = current_procedures()
    set_procedure(db_session, procedures, OPERATOR, MIHON, "sodai_gomi", enabled=False, terms=Terms())
    assert client.get(PROCEDURE).status_code == 404
    assert "粗大ごみ収集の申込" not in client.get(HOME).text


def test_a_publication_shows_on_the_next_request(
    client: FlaskClient, catalog: Callable[..., Result], sources: Path
) -> None:
    assert "粗大ごみ収集の申込" in client.get(PROCEDURE).text
    edit(sources / "forms_catalog/sodai_gomi.yaml", "title: 粗大ごみ収集の申込", "title: 粗大ごみの戸別収集")
    assert catalog("publish").exit_code == 0
    assert "粗大ごみの戸別収集" in client.get(PROCEDURE).text
    assert "粗大ごみの戸別収集" in client.get(HOME).text


def test_another_app_instance_follows_the_content_token(
    build_app: Callable[..., Flask], client: FlaskClient, db_session: Session
) -> None:
    """Another app server's change reaches this one through the database alone: the row, and the token its flush
    bumped in the same transaction. Without the token the kept page stays; with it, the change shows."""
    other = build_app().test_client()
    assert "見本市" in other.get(HOME).text
    connection = db_session.connection()
    connection.execute(text("UPDATE municipality SET name = '改名市' WHERE code = :code"), {"code": MIHON})
    assert "改名市" not in other.get(HOME).text  # the token is the same: the kept page is still right here
    connection.execute(text("UPDATE content_version SET token = :token"), {"token": new_token()})
    assert "改名市" in other.get(HOME).text
    assert "改名市" in client.get(HOME).text  # and in this app, which kept the page too


def _queries(client: FlaskClient, connection: Connection, path: str) -> int:
    with statements(connection) as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_a_public_page_costs_a_fixed_number_of_queries_and_one_once_kept(
    client: FlaskClient, connection: Connection
) -> None:
    """After a change: the content token (in front of Flask, then in its session: testing reads it at every use,
    production at most once a second), the municipality and its procedures, the catalog's versions (their
    contents are parsed once per process); kept: the token, and no query of Flask's."""
    for path in (HOME, PROCEDURE):
        client.get(path)
        connection.execute(text("UPDATE content_version SET token = :token"), {"token": new_token()})
        assert _queries(client, connection, path) == 5
        assert _queries(client, connection, path) == 1


def test_a_logged_in_form_costs_a_fixed_number_of_queries(client: FlaskClient, connection: Connection) -> None:
    """The token (the municipality and the catalog are kept), the resident and their draft."""
    login(client, "resident", "resident-yamada")
    client.get(FORM)
    assert _queries(client, connection, FORM) == 3


def test_a_new_app_instance_loads_compiled_templates_instead_of_compiling_them(
    app: Flask, build_app: Callable[..., Flask], client: FlaskClient
) -> None:
    """Jinja's bytecode cache: what one worker compiled, the next one started on the machine loads."""
    client.get(HOME)
    fresh = build_app()
    compiled: list[str] = []
    cache = fresh.jinja_env.bytecode_cache
    assert cache is not None and cache is not app.jinja_env.bytecode_cache
    load_bytecode = cache.load_bytecode

    def recorded(bucket):  # type: ignore[no-untyped-def]
        load_bytecode(bucket)
        if bucket.code is not None:
            compiled.append(bucket.key)

    cache.load_bytecode = recorded  # type: ignore[method-assign]
    fresh.test_client().get(HOME)
    assert compiled  # base.html, the municipality page and the macros, as the first app compiled them
