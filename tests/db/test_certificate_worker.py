"""A real Celery worker process renders reserved certificates from the committed database and the real Redis.

Killed with SIGKILL while it renders (with its pool, as the OOM killer or a lost machine would), the task
it had taken is not lost: once the visibility timeout has passed, the restarted worker gets it again and
the certificate appears exactly once, with the 発行番号 taken at the 交付. Two renders of one certificate at
the same moment store one PDF. The worker serves its pool's metrics on a port of its own.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.certificates.devpki import create_dev_pki
from portal.config import ROOT, load_settings
from portal.database import db
from portal.devtools.mailsink import free_port
from portal.models import Certificate, Municipality, MunicipalityProcedure, NumberSequence, SequenceKind, Staff
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.services.certificates import render_certificate, reserve_certificate
from portal.services.submissions import SubmissionService
from portal.tasks.certificates import RENDER
from portal.web.current import current_procedures, current_records
from portal.workflow import Condition
from tests.broker import REDIS_URL, Broker, use_prefix
from tests.db.recorded import recorded_resident
from tests.db.signing import shipped
from tests.metrics import SCRAPE, TOKEN, Samples, samples, value
from tests.web.journeys import JUMINHYO_ANSWERS, validated

CODE = "999962"  # this module's own municipality (check digit 2)
RETRY_SECONDS = 2  # the visibility timeout: a lost worker's task is delivered again this soon


@pytest.fixture(scope="module")
def environment(committing_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The settings the portal and its worker share: the committed database, this module's signing key."""
    pki = tmp_path_factory.mktemp("pki")
    create_dev_pki(pki, [(CODE, "見本県作業市")])
    with Session(committing_engine) as session:
        session.add(
            Municipality(
                code=CODE, name="作業市", prefecture="見本県", mayor_title="作業市長", mayor_name="作業 太郎",
                seal="999997.svg", demo=True, procedures=[MunicipalityProcedure(slug="juminhyo")],
            )
        )  # fmt: skip
        session.commit()
    return {
        "MADOGUCHI_ENV": "testing",
        "DATABASE_URL": committing_engine.url.render_as_string(hide_password=False),
        "SIGNING_DIR": str(pki),
        "SESSION_DIR": str(tmp_path_factory.mktemp("sessions")),
        "CELERY_BROKER_URL": REDIS_URL,
        "CERTIFICATE_RETRY_SECONDS": str(RETRY_SECONDS),
        "RECORDS_BACKENDS": f"{CODE}=demo",
    }


@pytest.fixture
def portal(environment: dict[str, str], broker: Broker) -> Iterator[Flask]:
    """The portal that issues (and queues) certificates; the shared ``db`` is given back afterwards."""
    previous = db.engine, db.sessionmaker
    app = create_app(load_settings(environment))
    use_prefix(app.extensions["celery"], broker.prefix)
    yield app
    db.engine, db.sessionmaker = previous


def reserve(portal: Flask, engine: Engine) -> tuple[int, str]:
    """A 住民票の写し reserved at its 交付 and committed, which queues it for the worker: (id, 発行番号)."""
    with portal.app_context(), Session(engine) as session:
        procedures = current_procedures()
        definition = shipped("juminhyo")
        assert definition is not None
        resident = recorded_resident(session, CODE, f"worker-{time.monotonic_ns()}")
        service = SubmissionService(session, procedures, ActingUser.of_resident(resident))
        answers = validated(definition, JUMINHYO_ANSWERS)
        submission = service.submit(session.get_one(Municipality, CODE), definition, answers, resident.subject)
        certificate = reserve_certificate(
            session, procedures, current_records(session), submission, procedures.case(submission).template
        )
        session.commit()
        return certificate.id, certificate.issue_number


def start_worker(environment: dict[str, str], broker: Broker, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    """A worker with its pool (one child), in a process group of its own so that all of it can be killed."""
    env = {**os.environ, **environment, "TEST_CELERY_KEY_PREFIX": broker.prefix, **extra}
    command = [sys.executable, "-m", "celery", "-A", "tests.db.celery_worker", "worker", "--concurrency=1"]
    command += ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def wait_until(condition: Callable[[], bool], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up after {seconds} s; worker log:\n{log.read_text()}"
        time.sleep(0.1)


def stored(engine: Engine, certificate_id: int) -> Certificate:
    with Session(engine, expire_on_commit=False) as session:
        certificate = session.get_one(Certificate, certificate_id)
        certificate.pdf  # noqa: B018 - deferred: loaded before the session closes
        return certificate


def certificate_numbers_taken(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalars(
            select(NumberSequence.last_value).filter_by(municipality_code=CODE, kind=SequenceKind.CERTIFICATE)
        ).one()


def test_the_issue_queues_its_certificate_only_once_its_transaction_has_committed(
    portal: Flask, committing_engine: Engine, broker: Broker
) -> None:
    """The 交付 reserves the certificate in SubmissionService's savepoint; releasing the savepoint commits nothing,
    and a worker handed the task then would find no certificate (and leave it to the sweep, minutes later)."""
    with portal.app_context(), Session(committing_engine) as session:
        procedures = current_procedures()
        resident = recorded_resident(session, CODE, f"worker-{time.monotonic_ns()}")
        clerk = Staff(
            municipality_code=CODE, subject=f"clerk-{time.monotonic_ns()}", name="作業 一", role_values=[Role.CLERK]
        )
        session.add(clerk)
        answers = validated(shipped("juminhyo"), JUMINHYO_ANSWERS)
        submission = SubmissionService(session, procedures, ActingUser.of_resident(resident)).submit(
            session.get_one(Municipality, CODE), shipped("juminhyo"), answers, resident.subject
        )
        submission.state = "approved"  # reviewed and approved by others: not what this test is about
        session.commit()
        staff = SubmissionService(session, procedures, ActingUser.of_staff(clerk), current_records(session))
        staff.fire(submission, "issue", None, frozenset({Condition.RECORD_MATCH, Condition.PAID}))
        assert broker.queued() == []  # the savepoint is released, nothing is committed
        session.commit()
        certificate_id = session.scalars(select(Certificate.id).filter_by(submission_id=submission.id)).one()
    assert broker.queued() == [(RENDER, [certificate_id])]


def test_a_worker_killed_while_rendering_is_restarted_and_the_certificate_appears_once_with_its_number(
    portal: Flask, committing_engine: Engine, environment: dict[str, str], broker: Broker, tmp_path: Path
) -> None:
    certificate_id, issue_number = reserve(portal, committing_engine)
    numbers_taken = certificate_numbers_taken(committing_engine)
    log, started = tmp_path / "worker.log", tmp_path / "render-started"

    killed = start_worker(environment, broker, log, TEST_RENDER_STARTED=str(started))
    try:
        wait_until(started.exists, 60, log)
        assert broker.queued() == [] and broker.unacknowledged() == 1  # taken, not yet acknowledged
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    finally:
        stop(killed)
    assert not stored(committing_engine, certificate_id).rendered
    time.sleep(RETRY_SECONDS)  # until the visibility timeout of the message the dead worker held has passed

    restarted = start_worker(environment, broker, log)
    try:
        wait_until(lambda: stored(committing_engine, certificate_id).rendered, 60, log)
        wait_until(lambda: broker.unacknowledged() == 0 and broker.queued() == [], 10, log)
    finally:
        stop(restarted)

    with Session(committing_engine) as session:
        certificate = session.get_one(Certificate, certificate_id)
        issued = session.scalar(
            select(func.count()).select_from(Certificate).filter_by(submission_id=certificate.submission_id)
        )
        assert issued == 1 and certificate.issue_number == issue_number
        assert certificate.pdf is not None and certificate.sha256 is not None
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(certificate.pdf)).pages)
    assert issue_number in text
    assert certificate_numbers_taken(committing_engine) == numbers_taken  # the worker took no number


def test_two_workers_rendering_one_certificate_at_once_store_one_pdf(
    portal: Flask, committing_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificate_id, _ = reserve(portal, committing_engine)
    procedures = portal.extensions["procedures"]
    renders: list[str] = []
    real_render = procedures.certificates.render_pdf
    monkeypatch.setattr(
        procedures.certificates, "render_pdf", lambda *args: renders.append("render") or real_render(*args)
    )
    barrier = threading.Barrier(2, timeout=30)

    def worker(_: int) -> str | None:
        with Session(committing_engine, expire_on_commit=False) as session:
            barrier.wait()
            certificate = render_certificate(session, procedures, certificate_id)
            session.commit()
            assert certificate is not None
            return certificate.sha256

    with ThreadPoolExecutor(2) as pool:
        digests = list(pool.map(worker, range(2)))

    assert renders == ["render"]
    assert digests[0] == digests[1] == stored(committing_engine, certificate_id).sha256


def test_the_worker_serves_the_metrics_of_its_pool_on_its_own_port_to_the_token_holder(
    portal: Flask, committing_engine: Engine, environment: dict[str, str], broker: Broker, tmp_path: Path
) -> None:
    certificate_id, _ = reserve(portal, committing_engine)
    log, directory, port = tmp_path / "worker.log", tmp_path / "metrics", free_port("127.0.0.1")
    directory.mkdir()
    url = f"http://127.0.0.1:{port}/metrics"

    def scraped() -> Samples | None:
        try:
            response = requests.get(url, headers=SCRAPE, timeout=10)
        except requests.ConnectionError:
            return None  # not serving yet
        assert response.status_code == 200, f"worker log:\n{log.read_text()}"
        assert response.headers["Cache-Control"] == "no-store"
        return samples(response.text)

    def failures() -> float:
        found = scraped()
        return value(found, "madoguchi_celery_task_failures_total", task=RENDER) if found else 0

    worker = start_worker(
        environment,
        broker,
        log,
        WORKER_METRICS_PORT=str(port),
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    try:
        wait_until(lambda: stored(committing_engine, certificate_id).rendered, 60, log)
        portal.extensions["celery"].send_task(RENDER, args=[])  # a message the task cannot run
        wait_until(lambda: failures() == 1, 30, log)
        found = scraped()
        assert found is not None
        assert value(found, "madoguchi_certificate_render_seconds_count", outcome="rendered") == 1
        assert requests.get(url, timeout=10).status_code == 401
        assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    finally:
        stop(worker)
