"""/healthz says the process answers, without the database; /readyz says whether the database, Redis and the
Celery broker answer, naming the one that does not (503) and never where it is. Neither opens a session, takes a
rate limit or CSRF check, or may be cached."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from portal.database import db
from portal.devidp import RunningServer
from portal.devtools.mailsink import free_port
from portal.web import requestlog
from tests.web.conftest import create_testing_app

REDIS = "redis://127.0.0.1:6379/12"  # this suite's own database number; the probes only PING it


def nobody_listens() -> str:
    return f"127.0.0.1:{free_port('127.0.0.1')}"


@pytest.fixture
def portal(idp: RunningServer, database_url: str, engine: object, tmp_path) -> Iterator[Callable[..., Flask]]:  # type: ignore[no-untyped-def]
    """``portal(**env)``: a portal with these settings over the migrated test database, Redis and a broker; the
    shared ``db`` is given back afterwards."""
    previous = db.engine, db.sessionmaker

    def build(**env: str) -> Flask:
        defaults = {"SESSION_DIR": str(tmp_path), "REDIS_URL": REDIS, "CELERY_BROKER_URL": REDIS}
        return create_testing_app(idp, database_url, **{**defaults, **env})

    yield build
    db.engine, db.sessionmaker = previous


def test_healthz_answers_without_the_database(portal):
    client = portal(DATABASE_URL=f"postgresql://root@{nobody_listens()}/madoguchi").test_client()

    response = client.get("/healthz")

    assert (response.status_code, response.text) == (200, "ok\n")
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_when_the_database_redis_and_the_broker_answer(portal):
    response = portal().test_client().get("/readyz")

    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok", "redis": "ok", "broker": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("down", "setting"),
    [
        ("database", {"DATABASE_URL": "postgresql://madoguchi:pa55word@{address}/madoguchi"}),
        ("redis", {"REDIS_URL": "redis://:pa55word@{address}/12"}),
        ("broker", {"CELERY_BROKER_URL": "redis://:pa55word@{address}/12"}),
    ],
)
def test_readyz_names_the_dependency_that_does_not_answer_and_never_where_it_is(portal, caplog, down, setting):
    address = nobody_listens()
    client = portal(**{name: value.format(address=address) for name, value in setting.items()}).test_client()
    caplog.set_level(logging.WARNING)

    response = client.get("/readyz")

    assert response.status_code == 503
    checks = {"database": "ok", "redis": "ok", "broker": "ok", down: "unreachable"}
    assert response.json == {"status": "unavailable", "checks": checks}
    assert response.headers["Cache-Control"] == "no-store"
    port = address.rpartition(":")[2]
    for secret in (port, "pa55word", "127.0.0.1", "://"):
        assert secret not in response.text
        assert not any(secret in record.getMessage() for record in caplog.records)
    assert any(f"{down} unreachable" in record.getMessage() for record in caplog.records)


def test_probes_open_no_session_log_no_request_and_take_no_limit_or_csrf_check(app, client, caplog):
    caplog.set_level(logging.INFO)
    client.set_cookie("session", "an-id-nobody-issued")

    answers = [client.get(path) for path in ("/healthz", "/readyz") for _ in range(50)]
    posted = client.post("/readyz", data={"no": "csrf token"})

    assert {response.status_code for response in answers} == {200}
    assert posted.status_code == 405 and posted.headers["Allow"] == "GET, HEAD"
    assert not any("Set-Cookie" in response.headers for response in [*answers, posted])
    assert not [record for record in caplog.records if record.name == requestlog.log.name]
    assert json.loads(answers[-1].text)["checks"] == {"database": "ok"}  # testing: file sessions, tasks in process
