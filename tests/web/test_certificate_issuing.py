"""Issuing off the request: the 交付 reserves the certificate and, once committed, queues it in Redis for the
worker; both pages say 「発行処理中」 until the task has rendered it; the task is idempotent; the sweep sends
again what is still unrendered after the configured delay, also when the broker was down at the 交付.

The queue is the real Redis; each task is then run from the message the portal queued, as a worker would
(tests/db/test_certificate_worker.py runs a real worker process).
"""

from __future__ import annotations

import html
import io
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.database import db
from portal.models import Certificate, Municipality, Submission
from portal.models.base import utcnow
from portal.procedures import EXTENSION
from portal.services.actors import ActingUser
from portal.services.certificates import render_certificate, reserve_certificate
from portal.services.submissions import SubmissionService
from portal.tasks.certificates import RENDER, SWEEP
from portal.web.current import current_procedures, current_records
from tests.broker import REDIS_URL, Broker, use_prefix
from tests.db.recorded import recorded_resident
from tests.db.signing import shipped
from tests.web.conftest import PUBLIC_URL, logged_in
from tests.web.journeys import JUMINHYO_ANSWERS, apply, break_template, decide_juminhyo, validated

MIHON = "999997"
RETRY_SECONDS = 300
PENDING = "発行処理中"
DOWNLOAD = "証明書（PDF）をダウンロード"


def queuing_app(build_app, signing_dir: Path, broker: Broker, broker_url: str = REDIS_URL) -> Flask:  # type: ignore[no-untyped-def]
    """The portal as production runs it: tasks go to a broker, nobody renders in the request."""
    app = build_app(
        SIGNING_DIR=str(signing_dir),
        PUBLIC_URL=PUBLIC_URL,
        CELERY_BROKER_URL=broker_url,
        CERTIFICATE_RETRY_SECONDS=str(RETRY_SECONDS),
    )
    use_prefix(app.extensions["celery"], broker.prefix)
    return app


@pytest.fixture
def portal(build_app, signing_dir: Path, broker: Broker, demo: dict[str, Municipality]) -> Flask:  # type: ignore[no-untyped-def]
    return queuing_app(build_app, signing_dir, broker)


def run_queued(app: Flask, broker: Broker) -> list[tuple[str, list]]:
    """Run every queued task as the worker would, and take it off the queue; returns what was queued."""
    queued = broker.queued()
    broker.clean()
    celery = app.extensions["celery"]
    for name, args in queued:
        celery.tasks[name].apply(args=args).get()
    return queued


def printed(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    return html.unescape(response.text)


def test_the_case_says_issuing_until_the_worker_has_rendered_the_certificate(
    portal: Flask, broker: Broker, db_session: Session
) -> None:
    resident = logged_in(portal, "resident", "resident-yamada")
    reference = apply(resident, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    clerk, issued = decide_juminhyo(
        lambda kind, sub: logged_in(portal, kind, sub),
        reference,
        clerk="staff-mihon-clerk",
        approver="staff-mihon-approver",
    )
    assert issued.status_code == 302

    # The 交付 is recorded and the 発行番号 taken; the PDF does not exist yet, and the worker has its task.
    db_session.expire_all()
    certificate = db_session.scalars(select(Certificate)).one()
    assert certificate.submission.state == "issued"
    assert certificate.issue_number.startswith(f"{MIHON}-") and certificate.context is not None
    assert (certificate.pdf, certificate.sha256, certificate.rendered_at) == (None, None, None)
    assert broker.queued() == [(RENDER, [certificate.id])]

    resident_page, case_page = f"/{MIHON}/applications/{reference}", f"/backoffice/submissions/{reference}"
    shown = page(resident, resident_page)
    assert PENDING in shown and certificate.issue_number in shown and DOWNLOAD not in shown
    assert resident.get(f"{resident_page}/certificate.pdf").status_code == 404
    shown = page(clerk, case_page)
    assert PENDING in shown and "certificate.pdf" not in shown
    assert clerk.get(f"{case_page}/certificate.pdf").status_code == 404
    verify = f"/verify/{certificate.issue_number}?c={certificate.verification_code}"
    assert resident.get(verify).status_code == 404  # no document exists yet that anyone could hold

    assert run_queued(portal, broker) == [(RENDER, [certificate.id])]

    db_session.expire_all()
    assert certificate.rendered_at is not None and certificate.pdf is not None
    assert certificate.issue_number in printed(certificate.pdf)
    shown = page(resident, resident_page)
    assert PENDING not in shown and DOWNLOAD in shown
    assert resident.get(f"{resident_page}/certificate.pdf").data == certificate.pdf
    assert PENDING not in page(clerk, case_page)
    assert clerk.get(f"{case_page}/certificate.pdf").data == certificate.pdf
    assert resident.get(verify).status_code == 200


def test_rendering_again_changes_nothing(portal: Flask, broker: Broker, db_session: Session) -> None:
    certificate = reserved(portal, db_session)
    assert run_queued(portal, broker) == [(RENDER, [certificate.id])]
    db_session.expire_all()
    first = (certificate.pdf, certificate.sha256, certificate.rendered_at)
    assert first[0] is not None

    portal.extensions["celery"].tasks[RENDER].apply(args=[certificate.id]).get()  # redelivered, or sent again

    db_session.expire_all()
    assert (certificate.pdf, certificate.sha256, certificate.rendered_at) == first


def test_the_sweep_sends_again_only_what_is_still_unrendered_after_the_delay(
    portal: Flask, broker: Broker, db_session: Session
) -> None:
    late, fresh, rendered, revoked = (reserved(portal, db_session) for _ in range(4))
    with portal.app_context():
        render_certificate(db_session, current_procedures(), rendered.id)
    revoked.revoked_at = utcnow()
    for certificate in (late, rendered, revoked):
        certificate.created_at = utcnow() - timedelta(seconds=RETRY_SECONDS + 1)
    fresh.created_at = utcnow() - timedelta(seconds=RETRY_SECONDS - 30)
    db_session.flush()
    broker.clean()  # what the 交付s queued is lost: a Redis restarted without persistence, say

    portal.extensions["celery"].tasks[SWEEP].apply().get()

    assert broker.queued() == [(RENDER, [late.id])]


def test_a_broker_down_at_the_issue_loses_nothing_the_sweep_sends_it_later(
    build_app, signing_dir: Path, broker: Broker, portal: Flask, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    unreachable = queuing_app(build_app, signing_dir, broker, broker_url="redis://127.0.0.1:9/0")
    with caplog.at_level(logging.ERROR, logger="portal.tasks.certificates"):
        certificate = reserved(unreachable, db_session)

    [logged] = [r.getMessage() for r in caplog.records]
    assert logged.startswith(f"certificate {certificate.id} not queued for rendering (")
    assert logged.endswith("the sweep sends it again") and "127.0.0.1:9" in logged
    db_session.expire_all()
    assert certificate.issue_number and not certificate.rendered  # the 交付 stands
    certificate.created_at = utcnow() - timedelta(seconds=RETRY_SECONDS + 1)
    db_session.flush()

    portal.extensions["celery"].tasks[SWEEP].apply().get()
    assert run_queued(portal, broker) == [(RENDER, [certificate.id])]
    db_session.expire_all()
    assert certificate.rendered and certificate.pdf is not None


def test_a_certificate_the_worker_cannot_render_stays_issuing_tells_the_clerk_and_is_tried_again(
    portal: Flask,
    broker: Broker,
    db_session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The 交付 checked that its template prints the record; a template changed before the worker renders
    (a deployment in between, say) fails there: logged, marked for staff, and sent again by the sweep."""
    certificate = reserved(portal, db_session)
    reference = certificate.submission.reference
    working = portal.extensions[EXTENSION].certificates
    break_template(portal, monkeypatch)

    with caplog.at_level(logging.ERROR, logger="portal.services.certificates"):
        assert run_queued(portal, broker) == [(RENDER, [certificate.id])]

    failure = "ValueError in juminhyo.html line 1"
    [logged] = [r.getMessage() for r in caplog.records if r.name == "portal.services.certificates"]
    assert logged == f"certificate {certificate.issue_number} not rendered: {failure}; the sweep tries again"
    db_session.expire_all()
    assert not certificate.rendered and certificate.pdf is None and certificate.render_error == failure
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    case_page = f"/backoffice/submissions/{reference}"
    shown = page(clerk, case_page)
    assert f"証明書（発行番号 {certificate.issue_number}）を作成できませんでした（{failure}）。" in shown
    assert "certificate.pdf" not in shown

    certificate.created_at = utcnow() - timedelta(seconds=RETRY_SECONDS + 1)
    db_session.flush()
    portal.extensions["celery"].tasks[SWEEP].apply().get()
    monkeypatch.setattr(portal.extensions[EXTENSION], "certificates", working)  # the fault is fixed
    assert run_queued(portal, broker) == [(RENDER, [certificate.id])]

    db_session.expire_all()
    assert certificate.rendered and certificate.pdf is not None and certificate.render_error is None
    shown = page(clerk, case_page)
    assert "作成できませんでした" not in shown and "certificate.pdf" in shown


def reserved(app: Flask, db_session: Session) -> Certificate:
    """A 住民票の写し reserved for issue in its own committed transaction, in ``app`` (which then queues it)."""
    with app.app_context():
        procedures = current_procedures()
        definition = shipped("juminhyo")
        assert definition is not None
        resident = recorded_resident(db.session, MIHON, f"issuing-{utcnow().timestamp()}")
        service = SubmissionService(db.session, procedures, ActingUser.of_resident(resident))
        municipality = db.session.get_one(Municipality, MIHON)
        answers = validated(definition, JUMINHYO_ANSWERS)
        submission: Submission = service.submit(municipality, definition, answers, f"token-{resident.subject}")
        certificate = reserve_certificate(
            db.session, procedures, current_records(db.session), submission, procedures.case(submission).template
        )
        db.session.commit()
        return db_session.get_one(Certificate, certificate.id)
