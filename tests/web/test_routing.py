"""Paths that are not ours, and requests too large to be a form, are refused before any work."""

from __future__ import annotations

from tests.web.conftest import login
from tests.web.journeys import csrf_token, db_state


def test_stray_paths_and_malformed_codes_are_not_found(client):
    for path in ("/favicon.ico", "/12345/", "/1234567/", "/abcdef/procedures/juminhyo"):
        assert client.get(path).status_code == 404, path


def test_a_request_larger_than_any_form_is_refused_and_changes_nothing(client, db_session):
    login(client, "resident", "resident-yamada")
    before = db_state(db_session)
    token = csrf_token(client, "/999997/procedures/juminhyo/apply")
    response = client.post("/999997/procedures/juminhyo/apply", data={"csrf_token": token, "address": "あ" * 600_000})
    assert response.status_code == 413
    assert db_state(db_session) == before
