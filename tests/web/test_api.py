"""/api/v1 through the test client: tokens (401 without a live one, 403 for a write with a read token, 404 for
another municipality's case), the list by cursor, a case with its answers, history and files, transitions fired as
the named system with the case page's rules, idempotent retries, the rate limit, and every read in the audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import (
    ApiToken,
    AuditAction,
    AuditEntry,
    IdempotentRequest,
    Municipality,
    Submission,
    TransitionRecord,
)
from portal.models.audit import READS
from portal.models.base import utcnow
from portal.roles import Role
from portal.services.actors import Administrator
from portal.services.api_cases import KEYS_KEPT_FOR
from portal.services.api_tokens import revoke_token
from portal.tasks.api_keys import FORGET, FORGET_EVERY_SECONDS
from tests.web import queuecases
from tests.web.apiclients import CODE, OTHER, PHOTO, bearer, risai_case, token

PROBLEM = "application/problem+json"
DECISION = {
    "damage_level": "chukibo_hankai",
    "survey_method": "exterior",
    "flooding": "above_floor",
}


def decision_inputs() -> dict[str, str]:
    from portal.japan import jst

    return {**DECISION, "surveyed_on": jst.today().isoformat()}


def history_of(session: Session, submission: Submission) -> list[TransitionRecord]:
    session.expire_all()
    return list(session.scalars(select(TransitionRecord).filter_by(submission_id=submission.id).order_by("id")))


def api_reads(session: Session) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action.in_(READS)).order_by(AuditEntry.id)
    return list(session.scalars(query))


# Tokens ---------------------------------------------------------------------------------------------------------


def test_without_a_live_token_every_endpoint_answers_401_with_a_bearer_challenge(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    case = queuecases.submit(app, db_session, CODE, "sodai_gomi")
    secret = token(db_session)
    revoked = token(db_session, "read", CODE, "古い連携")
    [old] = db_session.scalars(select(ApiToken).filter_by(name="古い連携")).all()
    revoke_token(db_session, Administrator.command_line("test"), old.id, utcnow())
    paths = ["/api/v1/cases", f"/api/v1/cases/{case.reference}"]
    for path in paths:
        for headers, challenge in (
            ({}, 'Bearer realm="madoguchi"'),
            ({"Authorization": "Basic dXNlcjpwYXNz"}, 'Bearer realm="madoguchi"'),
            (
                bearer(secret[:-1] + ("A" if secret[-1] != "A" else "B")),
                'Bearer realm="madoguchi", error="invalid_token"',
            ),
            (bearer(revoked), 'Bearer realm="madoguchi", error="invalid_token"'),
            (bearer("not-even-ours"), 'Bearer realm="madoguchi", error="invalid_token"'),
        ):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 401, (path, headers)
            assert answer.mimetype == PROBLEM and answer.headers["WWW-Authenticate"] == challenge
            assert answer.json["status"] == 401 and answer.json["detail"] == "APIトークンがないか、無効です。"
    posted = client.post(f"/api/v1/cases/{case.reference}/transitions/complete", json={})
    assert posted.status_code == 401 and "Set-Cookie" not in posted.headers
    assert api_reads(db_session) == []
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200


def test_a_read_token_may_not_fire_a_transition_and_nothing_changes(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    case = queuecases.submit(app, db_session, CODE, "sodai_gomi")
    answer = client.post(
        f"/api/v1/cases/{case.reference}/transitions/complete",
        json={"inputs": {"collection_date": "2030-01-01"}},
        headers=bearer(token(db_session, "read")),
    )
    assert answer.status_code == 403 and answer.mimetype == PROBLEM
    assert answer.json["detail"] == "このAPIトークンは読み取り専用です。"
    assert [r.transition for r in history_of(db_session, case)] == ["submit"]


def test_another_municipalitys_cases_are_not_found(client: FlaskClient, db_session: Session, app: Flask) -> None:
    theirs = risai_case(app, db_session, OTHER)
    ours = bearer(token(db_session, "write", CODE, "見本市の連携", Role.CLERK))
    key = theirs.answers["photos"][0]["key"]
    for path in (
        f"/api/v1/cases/{theirs.reference}",
        f"/api/v1/cases/{theirs.reference}/attachments/{key}",
        f"/api/v1/cases/{theirs.reference}/certificates/999989-2026-000001",
    ):
        answer = client.get(path, headers=ours)
        assert answer.status_code == 404 and answer.mimetype == PROBLEM, path
    fired = client.post(f"/api/v1/cases/{theirs.reference}/transitions/start_investigation", json={}, headers=ours)
    assert fired.status_code == 404 and fired.json["detail"] == "この受付番号の申請はありません。"
    assert [r.transition for r in history_of(db_session, theirs)] == ["submit"]
    listed = client.get("/api/v1/cases", headers=ours).json["items"]
    assert theirs.reference not in [c["reference"] for c in listed]


def test_an_unknown_path_under_the_api_is_a_problem_not_a_page(client: FlaskClient) -> None:
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404 and answer.mimetype == PROBLEM and answer.json["title"] == "Not Found"
    assert client.put("/api/v1/cases").status_code == 405


# The list ---------------------------------------------------------------------------------------------------------


def test_the_list_pages_by_cursor_in_the_order_of_last_change_with_filters(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    made = [queuecases.submit(app, db_session, CODE, "sodai_gomi") for _ in range(3)]
    made.append(queuecases.submit(app, db_session, CODE, "juminhyo"))
    clerk = queuecases.staff(db_session, CODE, "担当 一郎", Role.CLERK)
    queuecases.fire(app, db_session, made[0], clerk, "reject", "対象外の品目です。")  # changed last
    headers = bearer(token(db_session))

    seen, cursor = [], None
    while True:
        page = client.get(
            "/api/v1/cases", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=headers
        )
        assert page.status_code == 200, page.json
        seen += page.json["items"]
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
    expected = sorted(
        db_session.scalars(select(Submission).filter_by(municipality_code=CODE)), key=lambda s: (s.updated_at, s.id)
    )
    assert [c["reference"] for c in seen] == [s.reference for s in expected]
    assert seen[-1]["reference"] == made[0].reference and seen[-1]["state"] == "rejected" and seen[-1]["closed"]
    assert seen[-1]["href"] == f"/api/v1/cases/{made[0].reference}"

    def references(**query: str) -> list[str]:
        answer = client.get("/api/v1/cases", query_string=query, headers=headers)
        assert answer.status_code == 200, answer.json
        return [c["reference"] for c in answer.json["items"]]

    assert references(procedure="juminhyo") == [made[3].reference]
    assert references(procedure="sodai_gomi", state="rejected") == [made[0].reference]
    since = made[0].updated_at.isoformat()
    assert references(updated_since=since) == [made[0].reference]
    assert references(updated_since=(made[0].updated_at + timedelta(seconds=1)).isoformat()) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "yesterday"}, "cursor"),
        ({"cursor": "d739000-1"}, "cursor"),  # a cursor of the 期限超過 order, not this list's
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"updated_since": "2026-11-28T10:00:00"}, "updated_since"),  # no offset: which time zone?
        ({"updated_since": "last week"}, "updated_since"),
        ({"colour": "blue"}, "colour"),
        ({"procedure": "住民票"}, "procedure"),  # a slug, as the catalog spells them
        ({"state": "Received"}, "state"),  # a key, as the workflows spell them
        ({"state": ""}, "state"),
    ],
)
def test_bad_list_parameters_are_a_400_problem_naming_the_parameter(
    client: FlaskClient, db_session: Session, query: dict[str, str], field: str
) -> None:
    answer = client.get("/api/v1/cases", query_string=query, headers=bearer(token(db_session)))
    assert answer.status_code == 400 and answer.mimetype == PROBLEM
    assert answer.json["detail"] == "検索条件に誤りがあります。" and field in answer.json["errors"]
    assert api_reads(db_session) == []


def test_a_parameter_given_twice_is_refused(client: FlaskClient, db_session: Session) -> None:
    answer = client.get("/api/v1/cases?state=a&state=b", headers=bearer(token(db_session)))
    assert answer.status_code == 400 and answer.json["errors"] == {"state": "given more than once"}


# One case ---------------------------------------------------------------------------------------------------------


def test_a_case_comes_with_its_answers_history_and_files_and_every_read_is_audited(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    case = risai_case(app, db_session)
    headers = bearer(token(db_session, "read", CODE, "RPA 受付転記"))
    answer = client.get(f"/api/v1/cases/{case.reference}", headers=headers)
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    body = answer.json
    assert body["reference"] == case.reference and body["procedure"] == "risai_shomei"
    assert body["state"] == "received" and body["answers"]["disaster_name"] == "台風第10号"
    assert [h["transition"] for h in body["history"]] == ["submit"]
    assert body["transitions"] == []  # a read token fires nothing
    [photo] = body["attachments"]
    assert (photo["name"], photo["media_type"], photo["size"]) == ("屋根.png", "image/png", len(PHOTO))
    downloaded = client.get(photo["href"], headers=headers)
    assert downloaded.status_code == 200 and downloaded.data == PHOTO
    assert downloaded.headers["Cache-Control"] == "private, no-store"
    assert client.get(photo["href"]).status_code == 401  # the link needs the token too
    assert client.get(photo["href"].replace(photo["key"], "0" * 32), headers=headers).status_code == 404

    client.get("/api/v1/cases", headers=headers)
    reads = api_reads(db_session)
    assert [(e.actor_kind.value, e.actor_name, e.municipality_code) for e in reads] == [
        ("api_client", "API: RPA 受付転記", CODE)
    ] * 3
    assert [e.action for e in reads] == [
        AuditAction.CASE_VIEWED,
        AuditAction.ATTACHMENT_DOWNLOADED,
        AuditAction.CASES_LISTED,
    ]
    assert reads[0].target == f"submission:{case.reference}" and reads[0].submission_id == case.id
    assert reads[1].target == f"attachment:{photo['key']}"
    assert case.reference in reads[2].after["references"]


# Transitions --------------------------------------------------------------------------------------------------------


def test_the_api_fires_as_the_named_system_under_the_four_eyes_rule_and_downloads_the_certificate(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    case = risai_case(app, db_session)
    system = bearer(token(db_session, "write", CODE, "基幹システム連携", Role.CLERK, Role.APPROVER))
    path = f"/api/v1/cases/{case.reference}"

    assert [t["name"] for t in client.get(path, headers=system).json["transitions"]] == [
        "start_investigation",
        "return_to_applicant",
        "reject",
    ]
    started = client.post(f"{path}/transitions/start_investigation", json={}, headers=system)
    assert started.status_code == 200, started.json
    assert started.json["case"]["state"] == "investigating"
    assert started.json["transition"]["actor_name"] == "API: 基幹システム連携"
    decided = client.post(
        f"{path}/transitions/decide", json={"comment": "写真で判定", "inputs": decision_inputs()}, headers=system
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["transition"]["inputs"]["damage_level"] == "chukibo_hankai"

    # The token decided: it may not approve its own decision, whatever its roles.
    approved = client.post(f"{path}/transitions/approve", json={}, headers=system)
    assert approved.status_code == 409 and approved.mimetype == PROBLEM
    history = history_of(db_session, case)
    assert [(r.transition, r.actor_kind.value, r.actor_name) for r in history] == [
        ("submit", "resident", "山田 太郎"),
        ("start_investigation", "api", "API: 基幹システム連携"),
        ("decide", "api", "API: 基幹システム連携"),
    ]
    approver = queuecases.staff(db_session, CODE, "決裁 花子", Role.APPROVER)
    queuecases.fire(app, db_session, case, approver, "approve")
    issued = client.post(f"{path}/transitions/issue", json={}, headers=system)
    assert issued.status_code == 200, issued.json

    [certificate] = client.get(path, headers=system).json["certificates"]
    assert certificate["status"] == "issued", certificate  # rendered by the task after the commit
    pdf = client.get(certificate["href"], headers=system)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    read = api_reads(db_session)[-1]
    assert read.action is AuditAction.CERTIFICATE_DOWNLOADED and read.target.startswith("certificate:")
    assert read.submission_id == case.id
    # The back office shows who acted, as for staff.
    staff_page = queuecases.procedures(app).case(case)
    assert staff_page.workflow.state(history_of(db_session, case)[-1].to_state).final


def test_bad_inputs_or_a_refused_transition_change_nothing(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    case = risai_case(app, db_session)
    system = bearer(token(db_session, "write", CODE, "基幹システム連携", Role.CLERK))
    path = f"/api/v1/cases/{case.reference}/transitions"
    assert client.post(f"{path}/start_investigation", json={}, headers=system).status_code == 200

    for body, errors in (
        ({"inputs": {**decision_inputs(), "damage_level": "destroyed"}}, ["damage_level"]),
        ({"inputs": {**decision_inputs(), "surveyed_on": 20261128}}, ["surveyed_on"]),
        ({"inputs": {**decision_inputs(), "colour": "blue"}}, ["colour"]),
        ({"inputs": {"damage_level": "hankai"}}, ["surveyed_on", "survey_method"]),
        ({"inputs": decision_inputs(), "comment": "改行\u202eと制御文字"}, ["comment"]),
    ):
        answer = client.post(f"{path}/decide", json=body, headers=system)
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, body
        assert sorted(answer.json["errors"]) == sorted(errors), answer.json
    for body in ({"comment": 3}, {"inputs": [], "extra": 1}):
        answer = client.post(f"{path}/decide", json=body, headers=system)
        assert answer.status_code == 422 and answer.json["detail"] == "送信内容に誤りがあります。"
    not_json = client.post(f"{path}/decide", data="{", headers={**system, "Content-Type": "application/json"})
    assert not_json.status_code == 422

    refused = client.post(f"{path}/issue", json={}, headers=system)  # not from 調査中
    assert refused.status_code == 409 and refused.json["detail"]
    unknown = client.post(f"{path}/teleport", json={}, headers=system)
    assert unknown.status_code == 404
    assert [r.transition for r in history_of(db_session, case)] == ["submit", "start_investigation"]


def test_a_retried_post_with_an_idempotency_key_fires_once_and_gets_the_first_answer(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    case = risai_case(app, db_session)
    system = bearer(token(db_session, "write", CODE, "基幹システム連携", Role.CLERK))
    path = f"/api/v1/cases/{case.reference}/transitions/start_investigation"
    keyed = {**system, "Idempotency-Key": "3f1c9e2a-retry-1"}

    first = client.post(path, json={}, headers=keyed)
    again = client.post(path, json={}, headers=keyed)
    assert first.status_code == again.status_code == 200
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert [r.transition for r in history_of(db_session, case)] == ["submit", "start_investigation"]

    without_key = client.post(path, json={}, headers=system)  # a plain retry is refused by the state instead
    assert without_key.status_code == 409
    reused = client.post(path, json={"comment": "別の内容"}, headers=keyed)
    assert reused.status_code == 422 and reused.json["detail"] == "この Idempotency-Key は別の要求に使われています。"
    bad_key = client.post(path, json={}, headers={**system, "Idempotency-Key": "空白 を含む"})
    assert bad_key.status_code == 400
    assert len(history_of(db_session, case)) == 2


def test_a_refused_request_keeps_no_idempotency_key_so_it_can_be_sent_again(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    case = risai_case(app, db_session)
    system = bearer(token(db_session, "write", CODE, "基幹システム連携", Role.CLERK))
    keyed = {**system, "Idempotency-Key": "decide-1"}
    path = f"/api/v1/cases/{case.reference}/transitions/decide"
    body = {"inputs": decision_inputs()}
    assert client.post(path, json=body, headers=keyed).status_code == 409  # not yet investigating
    client.post(f"/api/v1/cases/{case.reference}/transitions/start_investigation", json={}, headers=system)
    assert client.post(path, json=body, headers=keyed).status_code == 200


def test_a_key_is_forgotten_by_beat_after_a_day_and_then_no_longer_replays(
    client: FlaskClient, db_session: Session, app: Flask
) -> None:
    system = bearer(token(db_session, "write", CODE, "基幹システム連携", Role.CLERK))
    old, recent = risai_case(app, db_session), risai_case(app, db_session)
    for case, key in ((old, "sent-yesterday"), (recent, "sent-just-now")):
        path = f"/api/v1/cases/{case.reference}/transitions/start_investigation"
        assert client.post(path, json={}, headers={**system, "Idempotency-Key": key}).status_code == 200
    yesterday = db_session.scalars(select(IdempotentRequest).filter_by(key="sent-yesterday")).one()
    yesterday.created_at = utcnow() - KEYS_KEPT_FOR - timedelta(minutes=1)
    db_session.flush()

    celery = app.extensions["celery"]
    assert celery.conf.beat_schedule[FORGET] == {"task": FORGET, "schedule": FORGET_EVERY_SECONDS}
    celery.tasks[FORGET].apply().get()
    celery.tasks[FORGET].apply().get()  # delivered twice: nothing more goes
    assert set(db_session.scalars(select(IdempotentRequest.key))) == {"sent-just-now"}
    again = {**system, "Idempotency-Key": "sent-yesterday"}
    forgotten = client.post(f"/api/v1/cases/{old.reference}/transitions/start_investigation", json={}, headers=again)
    assert forgotten.status_code == 409 and "Idempotent-Replayed" not in forgotten.headers  # fired anew: refused
    kept = {**system, "Idempotency-Key": "sent-just-now"}
    replayed = client.post(f"/api/v1/cases/{recent.reference}/transitions/start_investigation", json={}, headers=kept)
    assert replayed.status_code == 200 and replayed.headers["Idempotent-Replayed"] == "true"
    assert [r.transition for r in history_of(db_session, old)] == ["submit", "start_investigation"]


# Limits, sessions, last use -----------------------------------------------------------------------------------------


def test_each_token_has_its_own_rate_limit(
    build_app: Callable[..., Flask], db_session: Session, demo: dict[str, Municipality]
) -> None:
    app = build_app(RATELIMIT_API="2/minute")
    client = app.test_client()
    first, second = bearer(token(db_session, "read", CODE, "一")), bearer(token(db_session, "read", CODE, "二"))
    assert [client.get("/api/v1/cases", headers=first).status_code for _ in range(2)] == [200, 200]
    over = client.get("/api/v1/cases", headers=first)
    assert over.status_code == 429 and over.mimetype == PROBLEM and int(over.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/cases", headers=second).status_code == 200
    assert len(api_reads(db_session)) == 3  # the refused request read nothing


def test_the_api_keeps_no_session_and_needs_no_csrf_token(client: FlaskClient, db_session: Session, app: Flask) -> None:
    case = queuecases.submit(app, db_session, CODE, "sodai_gomi")
    system = bearer(token(db_session, "write", CODE, "基幹システム連携", Role.CLERK))
    answer = client.post(
        f"/api/v1/cases/{case.reference}/transitions/reject", json={"comment": "対象外の品目です。"}, headers=system
    )
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    assert client.get_cookie("session") is None


def test_the_last_use_is_written_at_most_once_a_minute(client: FlaskClient, db_session: Session) -> None:
    secret = token(db_session)
    [made] = db_session.scalars(select(ApiToken)).all()
    assert made.last_used_at is None
    client.get("/api/v1/cases", headers=bearer(secret))
    db_session.expire_all()
    first = made.last_used_at
    assert first is not None
    client.get("/api/v1/cases", headers=bearer(secret))
    db_session.expire_all()
    assert made.last_used_at == first
    made.last_used_at = first - timedelta(minutes=2)
    db_session.flush()
    client.get("/api/v1/cases", headers=bearer(secret))
    db_session.expire_all()
    assert made.last_used_at > first


# The command ------------------------------------------------------------------------------------------------------


def test_the_token_command_prints_the_token_once_and_keeps_only_its_hash(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    cli = app.test_cli_runner()
    made = cli.invoke(args=["api", "token", "create", CODE, "--name", "基幹システム連携", "--scope", "write"])
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("mdgapi_") and len(secret) == len("mdgapi_") + 43
    [stored] = db_session.scalars(select(ApiToken)).all()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps([str(getattr(stored, c.key)) for c in ApiToken.__table__.columns])
    assert (stored.scope.value, stored.role_values) == ("write", ["clerk"])

    listed = cli.invoke(args=["api", "token", "list", CODE])
    assert listed.exit_code == 0 and "基幹システム連携\twrite\tclerk\tmdgapi_" in listed.output
    assert secret not in listed.output and "never used" in listed.output
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200

    revoked = cli.invoke(args=["api", "token", "revoke", str(stored.id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 401
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.target == f"api_token:{stored.id}")).all()
    assert actions == [AuditAction.API_TOKEN_CREATED, AuditAction.API_TOKEN_REVOKED]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["999999", "--name", "x", "--scope", "read"], "CODE: 地方公共団体コード 999999 の自治体はありません。"),
        ([CODE, "--name", " ", "--scope", "read"], "--name: トークンの名前を入力してください。"),
        ([CODE, "--name", "x" * 81, "--scope", "read"], "--name: トークンの名前は80文字以内にしてください。"),
        ([CODE, "--name", "a\x07b", "--scope", "read"], "--name: トークンの名前に使えない文字"),
        (
            [CODE, "--name", "x", "--scope", "read", "--role", "clerk"],
            "--role: 読み取り専用のトークンには役割を付けられません。",
        ),
    ],
)
def test_a_bad_token_request_says_why_and_stores_nothing(
    app: Flask, client: FlaskClient, db_session: Session, arguments: list[str], message: str
) -> None:
    refused = app.test_cli_runner().invoke(args=["api", "token", "create", *arguments])
    assert refused.exit_code == 1 and message in refused.output, refused.output
    assert db_session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_revoking_an_unknown_token_says_so(app: Flask, client: FlaskClient) -> None:
    refused = app.test_cli_runner().invoke(args=["api", "token", "revoke", "4242"])
    assert refused.exit_code == 1 and "ID: ID 4242 のAPIトークンはありません。" in refused.output


def test_a_cursor_past_every_id_reads_as_past_its_time(client: FlaskClient, db_session: Session, app: Flask) -> None:
    """A cursor is the client's text: an id larger than the column holds is no 500 (PostgreSQL's integer)."""
    queuecases.submit(app, db_session, CODE, "sodai_gomi")
    answer = client.get(
        "/api/v1/cases", query_string={"cursor": "0-999999999999999999"}, headers=bearer(token(db_session))
    )
    assert answer.status_code == 200 and len(answer.json["items"]) == 1
