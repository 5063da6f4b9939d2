"""Webhooks against a real receiver on a loopback port: subscriptions made on the administration page, deliveries
written with the change and POSTed after its commit, signed and checked with the README's own verification code,
retried with back-off on 500s, dead after the last attempt and sent again from the dead-letter list; another
municipality's subscription gets nothing, and production refuses receivers inside the network; a delivery connects to
the address its check resolved (DNS rebinding) and TLS still names the URL's host."""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import trustme
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import ROOT, Environment
from portal.models import AuditAction, AuditEntry, DeliveryState, Submission, WebhookDelivery, WebhookSubscription
from portal.models.base import utcnow
from portal.roles import Role
from portal.services import webhooks as webhook_service
from portal.services.webhooks import MAX_ATTEMPTS, url_problems
from portal.tasks import webhooks as sending
from portal.tasks.webhooks import SWEEP
from tests.web import queuecases
from tests.web.admin.conftest import MIHON, OTHER_ADMIN, SHIKEN
from tests.web.apiclients import bearer, token
from tests.web.journeys import csrf_token, post_form

PORTS = range(18600, 18700)  # the loopback ports these tests may listen on


def documented_verify() -> Callable[..., bool]:
    """The verification function exactly as the README shows receivers."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- webhook-verification[^>]*-->\n```python\n(.*?)```", readme, re.S)
    assert code, "the README's verification snippet"
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)  # noqa: S102 - our own README, run as a receiver would
    return namespace["verify"]


@dataclass
class Receiver:
    """An HTTP server answering each POST with the next of ``statuses`` (then the last one), keeping what came."""

    url: str
    statuses: list[int]
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _headers, body in self.received]


@contextmanager
def serving(
    address: str = "127.0.0.1", port: int | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[Receiver]:
    """A receiver listening on ``address`` (at ``port``, else the first free one of PORTS), over TLS with ``tls``."""
    found = Receiver("", [200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.received.append((dict(self.headers), body))
            status = found.statuses.pop(0) if len(found.statuses) > 1 else found.statuses[0]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = None
    for candidate in [port] if port else PORTS:
        try:
            server = ThreadingHTTPServer((address, candidate), Handler)
            break
        except OSError:
            continue
    assert server is not None, f"no free port at {address}"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    found.url = f"{'https' if tls else 'http'}://{address}:{server.server_port}/madoguchi"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as found:
        yield found


def subscribe(admin: FlaskClient, code: str, url: str, *events: str, procedures: tuple[str, ...] = ()) -> Any:
    path = f"/backoffice/admin/municipalities/{code}/webhooks"
    data = {
        "url": url,
        "events": [event.removeprefix("case.") for event in events or ("case.submitted", "case.transitioned")],
        "procedures": list(procedures),
    }
    return admin.post(path, data={**data, "csrf_token": csrf_token(admin, path)})


def subscription(session: Session, code: str = MIHON) -> WebhookSubscription:
    session.expire_all()
    return session.scalars(select(WebhookSubscription).filter_by(municipality_code=code)).one()


def deliveries(session: Session) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def reject_through_the_api(client: FlaskClient, session: Session, app: Flask, code: str = MIHON) -> Submission:
    """A 粗大ごみ case rejected by the municipality's API client: the delivery goes after the request's commit."""
    case = queuecases.submit(app, session, code, "sodai_gomi")
    system = bearer(token(session, "write", code, "基幹システム連携", Role.CLERK))
    answer = client.post(
        f"/api/v1/cases/{case.reference}/transitions/reject", json={"comment": "対象外の品目です。"}, headers=system
    )
    assert answer.status_code == 200, answer.json
    return case


def sweep_after_backoff(app: Flask, session: Session, delivery: WebhookDelivery) -> None:
    """Beat's sweep once the delivery's back-off has passed (its next attempt moved to a moment ago)."""
    session.expire_all()
    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.flush()
    app.extensions["celery"].tasks[SWEEP].apply().get()


def test_a_transition_reaches_the_receiver_signed_without_personal_data(
    admin: FlaskClient, client: FlaskClient, receiver: Receiver, db_session: Session, app: Flask
) -> None:
    added = subscribe(admin, MIHON, receiver.url, "case.transitioned")
    assert added.status_code == 302, added.text
    secret = subscription(db_session).secret
    assert secret.startswith("whsec_") and secret in admin.get(added.headers["Location"]).text

    case = reject_through_the_api(client, db_session, app)
    [(headers, body)] = receiver.received  # sent after the commit; the submission itself was not subscribed to
    verify = documented_verify()
    assert verify(secret, headers["X-Madoguchi-Timestamp"], headers["X-Madoguchi-Signature"], body)
    assert not verify("whsec_another", headers["X-Madoguchi-Timestamp"], headers["X-Madoguchi-Signature"], body)
    assert not verify(secret, headers["X-Madoguchi-Timestamp"], headers["X-Madoguchi-Signature"], body + b" ")
    stale = int(headers["X-Madoguchi-Timestamp"]) + 301
    assert not verify(secret, headers["X-Madoguchi-Timestamp"], headers["X-Madoguchi-Signature"], body, now=stale)

    event = json.loads(body)
    assert (event["type"], event["municipality_code"]) == ("case.transitioned", MIHON)
    assert event["case"] == {
        **event["case"],
        "reference": case.reference,
        "procedure": "sodai_gomi",
        "state": "rejected",
    }
    assert event["transition"] | {"at": None} == {
        "name": "reject",
        "from_state": "received",
        "to_state": "rejected",
        "actor_kind": "api",
        "at": None,
    }
    assert (
        event["links"] == {"case": f"/api/v1/cases/{case.reference}"} and headers["X-Madoguchi-Delivery"] == event["id"]
    )
    for personal in ("山田", "太郎", "ヤマダ", "千代田", "対象外の品目", "基幹システム連携"):
        assert personal not in body.decode()  # no answers, names, comments
    [delivered] = deliveries(db_session)
    assert (delivered.state, delivered.attempts, delivered.last_status) == (DeliveryState.DELIVERED, 1, 200)
    app.extensions["celery"].tasks[SWEEP].apply().get()
    assert len(receiver.received) == 1  # delivered once
    added_entry = db_session.scalars(select(AuditEntry).filter_by(action=AuditAction.WEBHOOK_ADDED)).one()
    assert added_entry.after == {"url": receiver.url, "events": ["case.transitioned"], "procedures": []}
    assert secret not in json.dumps(added_entry.after)


def test_a_failing_receiver_is_tried_again_with_growing_back_off_until_it_answers(
    admin: FlaskClient, client: FlaskClient, receiver: Receiver, db_session: Session, app: Flask
) -> None:
    receiver.statuses = [500, 503, 200]
    subscribe(admin, MIHON, receiver.url, "case.transitioned")
    reject_through_the_api(client, db_session, app)
    [delivery] = deliveries(db_session)
    assert (delivery.state, delivery.attempts, delivery.last_status, delivery.last_error) == (
        DeliveryState.PENDING,
        1,
        500,
        "HTTP 500",
    )
    first_wait = delivery.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < first_wait <= timedelta(minutes=1)

    app.extensions["celery"].tasks[SWEEP].apply().get()
    assert len(receiver.received) == 1  # not yet due: nothing sent

    sweep_after_backoff(app, db_session, delivery)
    [delivery] = deliveries(db_session)
    assert (delivery.attempts, delivery.last_status) == (2, 503)
    assert timedelta(seconds=110) < delivery.next_attempt_at - utcnow() <= timedelta(minutes=2)

    sweep_after_backoff(app, db_session, delivery)
    [delivery] = deliveries(db_session)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.DELIVERED, 3, 200)
    assert len({headers["X-Madoguchi-Delivery"] for headers, _body in receiver.received}) == 1  # one event, 3 tries
    verify = documented_verify()
    secret = subscription(db_session).secret
    assert all(verify(secret, h["X-Madoguchi-Timestamp"], h["X-Madoguchi-Signature"], b) for h, b in receiver.received)


def test_after_the_last_attempt_it_is_dead_and_the_dead_letter_list_sends_it_again(
    admin: FlaskClient, client: FlaskClient, receiver: Receiver, db_session: Session, app: Flask
) -> None:
    receiver.statuses = [500]
    subscribe(admin, MIHON, receiver.url, "case.transitioned")
    case = reject_through_the_api(client, db_session, app)
    for _attempt in range(2, MAX_ATTEMPTS + 1):
        sweep_after_backoff(app, db_session, deliveries(db_session)[0])
    [delivery] = deliveries(db_session)
    assert (delivery.state, delivery.attempts) == (DeliveryState.DEAD, MAX_ATTEMPTS)
    assert len(receiver.received) == MAX_ATTEMPTS
    sweep_after_backoff(app, db_session, delivery)
    assert len(receiver.received) == MAX_ATTEMPTS  # dead: the sweep leaves it

    page = admin.get(f"/backoffice/admin/municipalities/{MIHON}/webhooks")
    listed = page.text[page.text.index('id="dead-letters"') :]
    assert case.reference in listed and f"{MAX_ATTEMPTS}回失敗（HTTP 500）" in listed

    receiver.statuses = [200]
    path = f"/backoffice/admin/municipalities/{MIHON}/webhooks/deliveries/{delivery.id}/redeliver"
    sent = post_form(admin, path, {}, token_from=f"/backoffice/admin/municipalities/{MIHON}/webhooks")
    assert sent.status_code == 302
    [delivery] = deliveries(db_session)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.DELIVERED, 1, 200)
    assert len(receiver.received) == MAX_ATTEMPTS + 1
    entry = db_session.scalars(select(AuditEntry).filter_by(action=AuditAction.WEBHOOK_REDELIVERED)).one()
    assert entry.after == {"event": delivery.event_id, "reference": case.reference}
    again = post_form(admin, path, {}, token_from=f"/backoffice/admin/municipalities/{MIHON}/webhooks")
    assert again.status_code == 303  # delivered: nothing to send again, and nothing changed
    assert len(receiver.received) == MAX_ATTEMPTS + 1


def test_another_municipalitys_subscription_and_unwanted_events_get_nothing(
    admin: FlaskClient,
    browser: Callable[[str], FlaskClient],
    client: FlaskClient,
    receiver: Receiver,
    db_session: Session,
    app: Flask,
) -> None:
    theirs = browser(OTHER_ADMIN)
    assert subscribe(theirs, SHIKEN, receiver.url + "/shiken").status_code == 302
    assert subscribe(admin, MIHON, receiver.url + "/juminhyo", procedures=("juminhyo",)).status_code == 302
    assert subscribe(admin, MIHON, receiver.url + "/submitted", "case.submitted").status_code == 302
    reject_through_the_api(client, db_session, app)  # 見本市's 粗大ごみ: submitted, then rejected
    app.extensions["celery"].tasks[SWEEP].apply().get()  # the submission's delivery, written in the test's session
    [delivery] = deliveries(db_session)
    assert delivery.subscription_id == subscription_of(db_session, receiver.url + "/submitted").id
    assert [json.loads(body)["type"] for _h, body in receiver.received] == ["case.submitted"]


def subscription_of(session: Session, url: str) -> WebhookSubscription:
    return session.scalars(select(WebhookSubscription).filter_by(url=url)).one()


def test_a_removed_subscription_is_sent_nothing_more(
    admin: FlaskClient, client: FlaskClient, receiver: Receiver, db_session: Session, app: Flask
) -> None:
    subscribe(admin, MIHON, receiver.url, "case.transitioned")
    found = subscription(db_session)
    path = f"/backoffice/admin/municipalities/{MIHON}/webhooks/{found.id}/delete"
    assert (
        post_form(admin, path, {}, token_from=f"/backoffice/admin/municipalities/{MIHON}/webhooks").status_code == 302
    )
    reject_through_the_api(client, db_session, app)
    assert receiver.received == [] and deliveries(db_session) == []
    assert receiver.url not in admin.get(f"/backoffice/admin/municipalities/{MIHON}/webhooks").text
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.target == f"webhook:{found.id}")).all()
    assert actions == [AuditAction.WEBHOOK_ADDED, AuditAction.WEBHOOK_REMOVED]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "", "events": ["submitted"]}, "url", "送信先のURLを入力してください"),
        ({"url": "ftp://example.jp/in", "events": ["submitted"]}, "url", "https:// または http:// で始まる形"),
        ({"url": "https://user:pw@example.jp/in", "events": ["submitted"]}, "url", "利用者名やパスワード"),
        ({"url": "https://example.jp/in"}, "events", "通知するイベントを選択してください"),
        ({"url": "https://example.jp/in", "events": ["deleted"]}, "events", "通知するイベント"),
    ],
)
def test_a_bad_subscription_is_shown_on_its_field_and_nothing_is_stored(
    admin: FlaskClient, db_session: Session, data: dict[str, Any], field: str, message: str
) -> None:
    path = f"/backoffice/admin/municipalities/{MIHON}/webhooks"
    page = admin.post(path, data={**data, "csrf_token": csrf_token(admin, path)})
    assert page.status_code == 200 and f'href="#field-{field}"' in page.text
    assert message in page.text
    assert db_session.scalars(select(WebhookSubscription)).all() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/in",  # plain http
        "https://127.0.0.1/in",
        "https://localhost/in",
        "https://[::1]/in",
        "https://10.0.0.8/in",
        "https://192.168.1.20/in",
        "https://172.16.5.4/in",
        "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "https://0.0.0.0/in",
        "https://[fd00::1]/in",
        "https://no-such-host.invalid/in",
    ],
)
def test_production_refuses_receivers_that_are_not_public_https(url: str) -> None:
    assert [p.setting for p in url_problems(url, production=True)] == ["url"]
    assert url_problems("https://93.184.216.34/in", production=True) == []


def test_production_checks_the_address_again_before_sending(
    admin: FlaskClient,
    client: FlaskClient,
    receiver: Receiver,
    db_session: Session,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscribe(admin, MIHON, receiver.url, "case.transitioned")  # saved outside production
    monkeypatch.setitem(app.config, "ENVIRONMENT", Environment.PRODUCTION)
    reject_through_the_api(client, db_session, app)
    [delivery] = deliveries(db_session)
    assert (delivery.state, delivery.last_error, delivery.last_status) == (
        DeliveryState.PENDING,
        "not a public address",
        None,
    )
    assert receiver.received == []


def rebinding(monkeypatch: pytest.MonkeyPatch, name: str, *answers: str) -> list[str]:
    """Resolve ``name`` to each of ``answers`` in turn (then the last again), as a DNS server rebinding it would, an
    answer of several addresses written "a,b"; any other name as usual. The look-ups of ``name`` made, in a list."""
    real, asked, left = socket.getaddrinfo, [], list(answers)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        answer = left.pop(0) if len(left) > 1 else left[0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))
            for address in answer.split(",")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_delivery_connects_to_the_address_its_check_resolved(
    admin: FlaskClient, client: FlaskClient, db_session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In production, the name answers an address the check accepts, then an internal one to any later look-up (DNS
    rebinding): the delivery reaches the first, naming the URL's host, and the name is looked up once. (Here
    127.0.0.1 stands for the internet and 127.0.0.2 for the portal's own network.)"""
    with serving("127.0.0.1") as outside, serving("127.0.0.2", port=outside.port) as inside:
        subscribe(admin, MIHON, f"http://receiver.test:{outside.port}/in?from=madoguchi", "case.transitioned")
        monkeypatch.setitem(app.config, "ENVIRONMENT", Environment.PRODUCTION)
        monkeypatch.setattr(webhook_service, "public", lambda address: str(address) == "127.0.0.1")
        asked = rebinding(monkeypatch, "receiver.test", "127.0.0.1", "127.0.0.2")
        reject_through_the_api(client, db_session, app)
        [delivery] = deliveries(db_session)
        assert delivery.state is DeliveryState.DELIVERED
        assert asked == ["receiver.test"] and inside.received == []
        [(headers, _body)] = outside.received
        assert headers["Host"] == f"receiver.test:{outside.port}"


def test_an_address_that_refuses_the_connection_is_passed_over_for_the_next_one_checked(
    admin: FlaskClient, client: FlaskClient, db_session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name with two addresses, the first of which nobody listens on (as an IPv6 address this host cannot reach):
    the delivery reaches the second, from the one look-up."""
    with serving("127.0.0.1") as receiver:
        subscribe(admin, MIHON, f"http://receiver.test:{receiver.port}/in", "case.transitioned")
        asked = rebinding(monkeypatch, "receiver.test", "127.0.0.3,127.0.0.1")
        reject_through_the_api(client, db_session, app)
        [delivery] = deliveries(db_session)
        assert delivery.state is DeliveryState.DELIVERED and len(receiver.received) == 1
        assert asked == ["receiver.test"]


@pytest.mark.parametrize(("name", "delivered"), [("receiver.test", True), ("impostor.test", False)])
def test_over_https_the_certificate_must_name_the_urls_host_not_the_address(
    name: str,
    delivered: bool,
    admin: FlaskClient,
    client: FlaskClient,
    db_session: Session,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Connected to an address, TLS still names the URL's host: its certificate is accepted, another name's is not
    (nothing is sent, the failure is kept)."""
    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("receiver.test").configure_cert(server_tls)
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)
    monkeypatch.setattr(sending, "_tls", lambda: trusted)  # this test's authority instead of the public ones
    with serving("127.0.0.1", tls=server_tls) as tls_receiver:
        subscribe(admin, MIHON, f"https://{name}:{tls_receiver.port}/in", "case.transitioned")
        rebinding(monkeypatch, name, "127.0.0.1")
        reject_through_the_api(client, db_session, app)
        [delivery] = deliveries(db_session)
        if delivered:
            assert delivery.state is DeliveryState.DELIVERED and len(tls_receiver.received) == 1
        else:
            assert (delivery.state, delivery.last_error) == (DeliveryState.PENDING, "SSLError")
            assert tls_receiver.received == []


def test_only_the_municipalitys_administrators_manage_its_webhooks(
    browser: Callable[[str], FlaskClient], receiver: Receiver, db_session: Session
) -> None:
    theirs = browser(OTHER_ADMIN)
    assert theirs.get(f"/backoffice/admin/municipalities/{MIHON}/webhooks").status_code == 404
    assert browser("staff-mihon-clerk").get(f"/backoffice/admin/municipalities/{MIHON}/webhooks").status_code == 403


def test_the_webhook_commands(app: Flask, client: FlaskClient, receiver: Receiver, db_session: Session) -> None:
    cli = app.test_cli_runner()
    added = cli.invoke(args=["webhook", "add", MIHON, receiver.url, "--procedure", "sodai_gomi"])
    assert added.exit_code == 0, added.output
    found = subscription(db_session)
    assert f"signing secret: {found.secret}" in added.output
    assert found.event_values == ["case.submitted", "case.transitioned"] and found.procedures == ["sodai_gomi"]
    listed = cli.invoke(args=["webhook", "list", MIHON])
    assert f"{found.id}\t{receiver.url}\tcase.submitted,case.transitioned\tsodai_gomi" in listed.output
    refused = cli.invoke(args=["webhook", "add", MIHON, "gopher://example.jp"])
    assert refused.exit_code == 1 and "URL: 送信先のURLは https:// または http:// で始まる形" in refused.output
    assert cli.invoke(args=["webhook", "remove", MIHON, str(found.id)]).exit_code == 0
    assert cli.invoke(args=["webhook", "list", MIHON]).output == ""
