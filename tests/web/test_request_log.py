"""Logs say which request did what, and never whose data it was: no names, answers, claims, codes or tokens."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask, request, request_finished
from werkzeug.serving import make_server

from portal.config import LogFormat
from portal.devidp import demo_users
from portal.devtools.devserver import AccessLogWithoutQuery
from portal.japan import jst
from portal.models import NumberSequence, Resident, SequenceKind, Submission
from portal.web import requestlog
from tests.db.signing import version_ids
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, db_state, fill_in, fire, hidden_inputs

CODE = "999997"
PERSONAL_ANSWERS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "postal_code",
    "address",
    "phone",
)
BIRTHDATE = "1985-04-12"  # JUMINHYO_ANSWERS' 昭和60年4月12日 as stored
REQUEST_FIELDS = {
    "request_id",
    "actor_kind",
    "actor_id",
    "municipality_code",
    "route",
    "method",
    "status",
    "duration_ms",
}


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value


def personal_data() -> set[str]:
    """The resident's answers and claims, and the staff members' names and e-mail addresses."""
    values = {JUMINHYO_ANSWERS[name] for name in PERSONAL_ANSWERS} | {BIRTHDATE}
    users = {user.sub: user for user in demo_users()}
    yamada = dict(users["resident-yamada"].claims)
    yamada.pop("gender")  # "male" is too short a word to search for; the rest of the claims are not
    values |= {value for value in _leaves(yamada) if value != "JP"}
    for sub in ("staff-mihon-clerk", "staff-mihon-approver"):
        values |= {users[sub].claims["name"], users[sub].claims["email"]}
    return values


@pytest.fixture
def issued_tokens() -> Iterator[list[str]]:
    """Every token the development provider hands out during the test, read off its /token responses."""
    tokens: list[str] = []

    def record(_sender: Flask, response: Any, **_extra: Any) -> None:
        if request.path == "/token" and (body := response.get_json(silent=True)):
            tokens.extend(value for key, value in body.items() if key.endswith("token"))

    with request_finished.connected_to(record):
        yield tokens


def everything_in(record: logging.LogRecord) -> str:
    """Message, arguments, extra fields and traceback, and the record as both formatters write it."""
    parts = [record.getMessage(), repr(record.__dict__)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    parts += [
        requestlog._JsonFormatter().format(record),
        requestlog._TextFormatter(requestlog.TEXT_FORMAT).format(record),
    ]
    return "\n".join(parts)


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == requestlog.log.name]


def test_a_whole_journey_and_a_database_error_leave_no_personal_data_in_the_logs(
    app, client, make_client, db_session, caplog, issued_tokens, monkeypatch
):
    caplog.set_level(logging.DEBUG)  # every logger, as verbose as it goes
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a 500 is logged as in production

    codes = [login(client, "resident", "resident-yamada").request.args["code"]]
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk, approver = app.test_client(), app.test_client()
    codes.append(login(clerk, "staff", "staff-mihon-clerk").request.args["code"])
    codes.append(login(approver, "staff", "staff-mihon-approver").request.args["code"])
    assert fire(clerk, reference, "start_review").status_code == 302
    assert fire(clerk, reference, "request_approval", "決裁をお願いします").status_code == 302
    assert fire(approver, reference, "approve").status_code == 302
    assert fire(clerk, reference, "issue").status_code == 302
    assert client.get(f"/{CODE}/applications/{reference}").status_code == 200
    assert client.get(f"/{CODE}/applications/{reference}/certificate.pdf").status_code == 200
    assert client.get(f"/{CODE}/procedures/juminhyo?name={JUMINHYO_ANSWERS['family_name']}").status_code == 200

    # A database error while the answers are being written: the next 受付番号 is already taken.
    counter = (
        db_session.query(NumberSequence)
        .filter_by(municipality_code=CODE, kind=SequenceKind.RECEPTION, year=jst.today().year)
        .one()
    )
    taken = Submission(
        municipality_code=CODE,
        reference=f"{jst.today().year}-{counter.last_value + 1:06d}",
        procedure="juminhyo",
        resident=db_session.query(Resident).one(),
        state="submitted",
        **version_ids(db_session, "juminhyo"),
        answers={},
    )
    db_session.add(taken)
    db_session.flush()
    before = db_state(db_session)
    assert fill_in(client, CODE, "juminhyo", JUMINHYO_ANSWERS).status_code == 302
    confirm = f"/{CODE}/procedures/juminhyo/confirm"
    failed = client.post(confirm, data=hidden_inputs(client, confirm))
    assert failed.status_code == 500
    assert db_state(db_session) == before

    # The error was logged, with its SQL but without the values.
    errors = [r for r in caplog.records if r.exc_info and "IntegrityError" in everything_in(r)]
    assert errors and all("SQL parameters hidden" in everything_in(r) for r in errors)

    assert len(codes) == 3 and len(issued_tokens) >= 6  # an access and an ID token per login
    secrets = personal_data() | set(codes) | set(issued_tokens)
    leaks = {(r.name, secret) for r in caplog.records for secret in secrets if secret in everything_in(r)}
    assert leaks == set()

    # One record per request, with the fields an operator searches by.
    records = request_records(caplog)
    assert all(REQUEST_FIELDS <= vars(r).keys() for r in records)
    assert len({r.request_id for r in records}) == len(records)
    by_route = {(r.method, r.route, r.status): r for r in records}
    submit = by_route[("POST", "/<municipality:code>/procedures/<slug>/confirm", 302)]
    resident = db_session.query(Resident).one()
    assert (submit.actor_kind, submit.actor_id, submit.municipality_code) == ("resident", resident.id, CODE)
    decision = by_route[("POST", "/backoffice/submissions/<reference>/transitions/<name>", 302)]
    assert (decision.actor_kind, decision.municipality_code) == ("staff", CODE)
    assert isinstance(decision.duration_ms, float) and decision.duration_ms >= 0
    error = by_route[("POST", "/<municipality:code>/procedures/<slug>/confirm", 500)]
    assert (error.actor_kind, error.actor_id, error.municipality_code) == ("resident", resident.id, CODE)
    callback = by_route[("GET", "/auth/resident/callback", 302)]
    assert callback.actor_kind is None and callback.municipality_code is None
    assert all("?" not in (r.route or "") for r in records)
    assert failed.headers["X-Request-ID"] == error.request_id


def test_request_id_comes_from_the_trusted_header_only_when_it_is_a_plain_token(app, client, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    client.get("/", headers={"X-Request-ID": "from-an-untrusted-client"})
    monkeypatch.setitem(app.config, "REQUEST_ID_HEADER", "X-Request-ID")
    client.get("/", headers={"X-Request-ID": "lb-2f9c.7_A"})
    client.get("/", headers={"X-Request-ID": "山田 太郎"})
    client.get("/", headers={"X-Request-ID": "x" * 129})
    client.get("/")

    ids = [r.request_id for r in request_records(caplog)]
    assert ids[1] == "lb-2f9c.7_A"
    generated = [ids[0], *ids[2:]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in generated) and len(set(generated)) == 4


def test_an_unknown_page_is_logged_without_its_path(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/no/such/page?name=yamada")

    (record,) = request_records(caplog)
    assert (record.route, record.status, record.actor_kind) == (None, 404, None)
    assert "yamada" not in everything_in(record) and "/no/such" not in everything_in(record)
    assert response.headers["X-Request-ID"] == record.request_id


@pytest.fixture
def log_output(app: Flask) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    yield stream
    requestlog.configure_logging(app.config["LOG_FORMAT"])  # back to stderr for the other tests


def test_production_writes_one_json_object_per_line(client, log_output):
    requestlog.configure_logging(LogFormat.JSON, log_output)
    client.get(f"/{CODE}/procedures/juminhyo?page=2")

    line = json.loads(log_output.getvalue().splitlines()[-1])
    assert line["logger"] == "portal.web.requestlog" and line["level"] == "INFO"
    assert {key: line[key] for key in ("route", "method", "status", "municipality_code", "actor_kind")} == {
        "route": "/<municipality:code>/procedures/<slug>",
        "method": "GET",
        "status": 200,
        "municipality_code": CODE,
        "actor_kind": None,
    }
    assert REQUEST_FIELDS <= line.keys() and "page=2" not in log_output.getvalue()


def test_development_writes_a_readable_line(client, log_output):
    requestlog.configure_logging(LogFormat.TEXT, log_output)
    response = client.get(f"/{CODE}/procedures/juminhyo")

    line = log_output.getvalue().splitlines()[-1]
    request_id = response.headers["X-Request-ID"]
    assert re.search(
        rf"INFO portal\.web\.requestlog \[{request_id}\]: GET /<municipality:code>/procedures/<slug> 200 "
        rf"\d+\.\dms anonymous {CODE}$",
        line,
    )


def test_development_server_access_log_leaves_out_the_query_string(caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")

    def app(_environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, app, request_handler=AccessLogWithoutQuery)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    requests.get(f"http://127.0.0.1:{server.port}/auth/resident/callback?code=SECRET&state=S", timeout=10)
    thread.join()
    server.server_close()

    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /auth/resident/callback HTTP/1.1" in line for line in lines)
    assert not any("SECRET" in line for line in lines)
