"""/metrics: only with METRICS_TOKEN and only for whoever presents it; requests by URL rule (never a path),
status counts, certificate render times, failed tasks and the broker's queue length, and nothing a person
typed or is called.

Every portal of a test run records into the same process's metrics, so tests compare before and after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.database import db
from portal.devidp import RunningServer
from portal.devtools.mailsink import free_port
from portal.metrics import UNMATCHED
from portal.tasks.certificates import RENDER
from tests.broker import REDIS_URL, Broker, use_prefix
from tests.metrics import SCRAPE, TOKEN, Samples, samples, value
from tests.web.conftest import create_testing_app
from tests.web.journeys import issued
from tests.web.test_request_log import personal_data

PROCEDURE_PAGE = "/<municipality:code>/procedures/<slug>"


@pytest.fixture(scope="module")
def scraped(idp: RunningServer, database_url: str, engine: object, tmp_path_factory) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """A portal that serves /metrics to Prometheus; the shared ``db`` is given back afterwards."""
    previous = db.engine, db.sessionmaker
    yield create_testing_app(
        idp, database_url, SESSION_DIR=str(tmp_path_factory.mktemp("sessions")), METRICS_TOKEN=TOKEN
    )
    db.engine, db.sessionmaker = previous


def scrape(portal: Flask) -> tuple[str, Samples]:
    response = portal.test_client().get("/metrics", headers=SCRAPE)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return response.text, samples(response.text)


def test_without_a_token_there_is_no_endpoint(client: FlaskClient):
    response = client.get("/metrics")

    assert response.status_code == 404 and "ページが見つかりません" in response.text


@pytest.mark.parametrize(
    "authorization", [None, f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, f"bearer  {TOKEN}"]
)
def test_anyone_without_the_token_gets_401_and_no_metrics(scraped: Flask, authorization: str | None):
    headers = {"Authorization": authorization} if authorization else {}

    response = scraped.test_client().get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "madoguchi" not in response.text and response.headers["Cache-Control"] == "no-store"


def test_requests_are_counted_and_timed_by_url_rule_method_and_status(scraped: Flask, client: FlaskClient):
    _, before = scrape(scraped)

    assert client.get("/999997/procedures/juminhyo?page=2").status_code == 200
    assert client.get("/999997/procedures/juminhyo").status_code == 200
    assert client.get("/no/such/page?name=yamada").status_code == 404
    assert client.open("/", method="YAMADA").status_code == 405
    text, after = scrape(scraped)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("madoguchi_http_requests_total", route=PROCEDURE_PAGE, method="GET", status="200") == 2
    assert grew("madoguchi_http_request_duration_seconds_count", route=PROCEDURE_PAGE, method="GET") == 2
    assert grew("madoguchi_http_request_duration_seconds_bucket", route=PROCEDURE_PAGE, method="GET", le="+Inf") == 2
    assert grew("madoguchi_http_requests_total", route=UNMATCHED, method="GET", status="404") == 1
    assert grew("madoguchi_http_requests_total", route=UNMATCHED, method="other", status="405") == 1
    rules = {rule.rule for rule in scraped.url_map.iter_rules()} | {UNMATCHED}
    routes = {dict(labels)["route"] for _, labels in after if "route" in dict(labels)}
    assert routes <= rules
    # In what labels the samples (not in the values: a duration's digits may spell a municipality's code).
    labelled = " ".join(value for _, labels in after for _, value in labels)
    for typed in ("999997", "juminhyo", "page=2", "yamada", "/no/such", "YAMADA"):
        assert typed not in labelled
    for typed in ("juminhyo", "page=2", "yamada", "/no/such", "YAMADA"):
        assert typed not in text


def test_a_whole_journey_leaves_no_personal_data_in_the_metrics_and_times_the_certificate(
    scraped: Flask, client: FlaskClient, make_client: Callable[..., FlaskClient], db_session
):
    _, before = scrape(scraped)

    reference, certificate = issued(client, make_client, db_session)
    text, after = scrape(scraped)

    assert certificate.rendered
    rendered = {"outcome": "rendered"}
    assert value(after, "madoguchi_certificate_render_seconds_count", **rendered) == (
        value(before, "madoguchi_certificate_render_seconds_count", **rendered) + 1
    )
    assert value(after, "madoguchi_certificate_render_seconds_sum", **rendered) > value(
        before, "madoguchi_certificate_render_seconds_sum", **rendered
    )
    for secret in personal_data() | {reference, certificate.issue_number, certificate.verification_code}:
        assert secret not in text


def test_a_task_that_raises_is_counted_by_its_name(scraped: Flask):
    _, before = scrape(scraped)

    with scraped.app_context():
        result = scraped.extensions["celery"].tasks[RENDER].apply(args=[])  # a message it cannot run
    _, after = scrape(scraped)

    assert result.failed()
    failures = "madoguchi_celery_task_failures_total"
    assert value(after, failures, task=RENDER) == value(before, failures, task=RENDER) + 1


@pytest.fixture
def queuing(build_app: Callable[..., Flask], broker: Broker) -> Flask:
    portal = build_app(CELERY_BROKER_URL=REDIS_URL, METRICS_TOKEN=TOKEN)
    use_prefix(portal.extensions["celery"], broker.prefix)
    return portal


def test_the_queue_length_is_read_from_the_broker_at_each_scrape(queuing: Flask, broker: Broker):
    _, empty = scrape(queuing)
    with queuing.app_context():
        for certificate_id in (1, 2, 3):
            queuing.extensions["celery"].tasks[RENDER].delay(certificate_id)
    _, waiting = scrape(queuing)

    assert len(broker.queued()) == 3
    assert value(empty, "madoguchi_celery_queue_length", queue="celery") == 0
    assert value(waiting, "madoguchi_celery_queue_length", queue="celery") == 3


def test_a_broker_that_does_not_answer_leaves_out_the_queue_length_not_the_scrape(
    build_app: Callable[..., Flask], caplog
):
    portal = build_app(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port('127.0.0.1')}/12", METRICS_TOKEN=TOKEN)
    caplog.set_level(logging.WARNING)

    text, _ = scrape(portal)

    assert "madoguchi_celery_queue_length" not in text
    assert "queue lengths not read: the broker did not answer (OperationalError)" in caplog.text
