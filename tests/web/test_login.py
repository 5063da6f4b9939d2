"""The OIDC callback accepts only the exchange this browser started, once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from portal.models import Resident
from portal.web.access import RESIDENT_KEY
from tests.web.conftest import login


def _callback_url(client, sub: str = "resident-yamada") -> str:  # type: ignore[no-untyped-def]
    start = client.get("/auth/resident/login")
    authorize = start.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert query["scope"] == ["openid name address birthdate gender"]
    picked = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    location = urlsplit(picked.headers["Location"])
    return f"{location.path}?{location.query}"


def _logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        return RESIDENT_KEY in session


def test_a_tampered_state_is_refused_and_logs_nobody_in(client, db_session):
    url = _callback_url(client)
    path, query = url.split("?", 1)
    params = {k: v[0] for k, v in parse_qs(query).items()}
    response = client.get(f"{path}?{urlencode({**params, 'state': 'forged'})}")
    assert response.status_code == 400
    assert "ログインできませんでした" in response.text
    assert not _logged_in(client)
    assert db_session.query(Resident).count() == 0


def test_a_callback_cannot_be_replayed(client):
    url = _callback_url(client)
    assert client.get(url).status_code == 302
    replay = client.get(url)
    assert replay.status_code == 400


def test_a_callback_from_another_browser_is_refused(app, client, db_session):
    url = _callback_url(client)
    stranger = app.test_client()
    assert stranger.get(url).status_code == 400
    assert db_session.query(Resident).count() == 0


def test_refusing_at_the_provider_returns_a_clear_error(client):
    start = client.get("/auth/resident/login")
    cancelled = requests.post(start.headers["Location"], data={"cancel": "1"}, allow_redirects=False, timeout=10)
    location = urlsplit(cancelled.headers["Location"])
    assert "error=access_denied" in location.query
    response = client.get(f"{location.path}?{location.query}")
    assert response.status_code == 400 and not _logged_in(client)


def test_claims_with_no_name_separator_ask_the_resident_to_split(client):
    login(client, "resident", "resident-sato", next_path="/999997/procedures/juminhyo/apply")
    form = client.get("/999997/procedures/juminhyo/apply")
    assert "氏と名を分けて入力してください" in form.text
    assert 'value="佐藤花子"' in form.text
    assert 'value="サトウ"' not in form.text  # the kana had no separator either: nothing is guessed
