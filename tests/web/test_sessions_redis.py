"""Production keeps sessions and rate-limit counters in Redis, shared by every app server; the cookie is only
the session's id, and Redis keeps no session longer than it may live."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from tests.web.conftest import create_testing_app, login
from tests.web.journeys import post_form, request_in_flight

REDIS_URL = "redis://127.0.0.1:6379/15"
MINUTE = 60


@pytest.fixture(scope="module")
def store() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is unreachable at {REDIS_URL}: {exc}", pytrace=False)
    return client


@pytest.fixture(scope="module")
def prefix(store: redis.Redis) -> Iterator[str]:
    """This run's own keys: other runs may share the Redis database at the same time."""
    prefix = f"madoguchi-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    for pattern in (f"{prefix}*", f"LIMITS:LIMITER/{prefix}*"):
        for key in store.scan_iter(pattern):
            store.delete(key)


@pytest.fixture(scope="module")
def redis_app(database_url: str, idp, engine: object, prefix: str) -> Flask:  # type: ignore[no-untyped-def]
    """Module scope: created before db_session points the shared ``db`` at the test's transaction."""
    overrides = {"SESSION_KEY_PREFIX": f"{prefix}session:", "RATELIMIT_KEY_PREFIX": f"{prefix}limits"}
    return create_testing_app(idp, database_url, overrides, REDIS_URL=REDIS_URL, RATELIMIT_LOGIN="4/minute")


def test_the_session_lives_in_redis_under_the_cookies_opaque_id(redis_app, store, prefix, db_session, demo):  # type: ignore[no-untyped-def]
    browser = redis_app.test_client()
    assert browser.get("/", query_string={"lang": "en"}).status_code == 200
    assert browser.get_cookie("session") is None and list(store.scan_iter(f"{prefix}session:*")) == []

    assert browser.get("/auth/resident/login").status_code == 302  # a login starting keeps its state
    cookie = browser.get_cookie("session")
    assert cookie is not None
    key = f"{prefix}session:{cookie.value}"
    assert [k.decode() for k in store.scan_iter(f"{prefix}session:*")] == [key]
    assert b"state" in store.get(key)
    assert 0 < store.ttl(key) <= 15 * MINUTE
    assert "state" not in cookie.value  # the browser holds the id, not the data

    login(browser, "resident", "resident-yamada")
    renewed = browser.get_cookie("session")
    assert renewed is not None and store.get(key) is None  # the id changed at login
    assert 29 * MINUTE <= store.ttl(f"{prefix}session:{renewed.value}") <= 30 * MINUTE


def test_a_session_redis_expired_asks_to_log_in_again(redis_app, store, prefix, db_session, demo):  # type: ignore[no-untyped-def]
    browser = redis_app.test_client()
    login(browser, "resident", "resident-yamada")
    cookie = browser.get_cookie("session")
    assert cookie is not None
    store.delete(f"{prefix}session:{cookie.value}")  # what Redis does when the idle timeout passes
    response = browser.get("/999997/applications")
    assert response.status_code == 401 and "もう一度ログインしてください" in response.text
    assert browser.get_cookie("session") is None


def test_a_request_that_began_before_the_logout_does_not_log_the_person_back_in(  # type: ignore[no-untyped-def]
    redis_app, store, prefix, db_session, demo
):
    browser = redis_app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "192.0.2.8"  # its own login rate limit: it logs in twice
    login(browser, "resident", "resident-yamada")
    before = browser.get_cookie("session")
    assert before is not None
    with request_in_flight(browser):
        assert post_form(browser, "/auth/logout", {}, token_from="/999997/applications").status_code == 200
        after = browser.get_cookie("session")
    assert store.get(f"{prefix}session:{before.value}") is None  # SET … XX wrote nothing back
    assert after is not None and browser.get_cookie("session").value == after.value != before.value
    assert browser.get("/999997/applications").status_code == 302  # to the login

    login(browser, "resident", "resident-yamada")
    current = browser.get_cookie("session")
    with request_in_flight(browser):  # the same slow request with nobody logging out saves as usual
        pass
    assert browser.get_cookie("session").value == current.value and store.get(f"{prefix}session:{current.value}")
    assert browser.get("/999997/applications").status_code == 200


def test_rate_limit_counters_live_in_redis(redis_app, store, prefix, db_session, demo):  # type: ignore[no-untyped-def]
    browser = redis_app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert [browser.get("/auth/staff/login").status_code for _ in range(5)] == [302, 302, 302, 302, 429]
    [key] = [key.decode() for key in store.scan_iter(f"LIMITS:LIMITER/{prefix}limits/192.0.2.7/*")]
    assert 0 < store.ttl(key) <= MINUTE
