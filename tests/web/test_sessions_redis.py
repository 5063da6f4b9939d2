"""Production keeps sessions in Redis, shared by every app server; the cookie is only their id."""

from __future__ import annotations

import pytest
import redis
from flask import Flask

from portal import create_app
from portal.config import load_settings

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="module")
def redis_app(database_url: str, idp) -> Flask:  # type: ignore[no-untyped-def]
    """Module scope: created before db_session points the shared ``db`` at the test's transaction."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is unreachable at {REDIS_URL}: {exc}", pytrace=False)
    return create_app(
        load_settings(
            {"MADOGUCHI_ENV": "testing", "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "DEV_IDP_URL": idp.url}
        )
    )


def test_the_session_lives_in_redis_under_the_cookies_opaque_id(redis_app, db_session, demo):  # type: ignore[no-untyped-def]
    browser = redis_app.test_client()
    assert browser.get("/?lang=en").status_code == 200  # remembering the language writes the session
    cookie = browser.get_cookie("session")
    assert cookie is not None

    store = redis.Redis.from_url(REDIS_URL)
    keys = [key.decode() for key in store.keys("madoguchi:session:*")]
    assert f"madoguchi:session:{cookie.value}" in keys
    assert "lang" in store.get(f"madoguchi:session:{cookie.value}").decode("latin-1")
    assert "lang" not in cookie.value  # the browser holds the id, not the data
    store.delete(f"madoguchi:session:{cookie.value}")
