"""Tenancy and ownership: what is not yours is not found (404), and a wrong kind of session is sent to log in.

References are numbered per municipality, so the same 受付番号 exists in both demo municipalities: the
tests rely on that to show that lookups are scoped by municipality, not by reference alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, db_state, fire, post_form, state_of

MIHON = "999997"
SHIKEN = "999989"


@pytest.fixture
def yamada(client: FlaskClient) -> FlaskClient:
    login(client, "resident", "resident-yamada")
    return client


def _resident_paths(code: str, reference: str) -> list[str]:
    base = f"/{code}/applications/{reference}"
    return [base, f"{base}/receipt", f"{base}/correct", f"{base}/certificate.pdf"]


def test_another_residents_application_is_not_found(yamada: FlaskClient, make_client: Any, db_session: Session) -> None:
    reference = apply(yamada, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "return_to_applicant", "住所を確認してください。")  # so that correct would be open
    sato = make_client("resident", "resident-sato")
    before = db_state(db_session)

    for path in _resident_paths(MIHON, reference):
        assert sato.get(path).status_code == 404, path
    token_page = f"/{MIHON}/procedures/juminhyo/apply"
    correct = post_form(sato, f"/{MIHON}/applications/{reference}/correct", JUMINHYO_ANSWERS, token_from=token_page)
    assert correct.status_code == 404
    withdraw = post_form(sato, f"/{MIHON}/applications/{reference}/transitions/withdraw", {}, token_from=token_page)
    assert withdraw.status_code == 404
    assert reference not in sato.get(f"/{MIHON}/applications").text
    assert db_state(db_session) == before
    assert state_of(db_session, MIHON, reference) == "returned"


def test_own_reference_under_another_municipality_is_not_found(yamada: FlaskClient) -> None:
    reference = apply(yamada, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    for path in _resident_paths(SHIKEN, reference):
        assert yamada.get(path).status_code == 404, path
    assert reference not in yamada.get(f"/{SHIKEN}/applications").text


def test_staff_of_another_municipality_never_reach_the_submission(
    yamada: FlaskClient, make_client: Any, db_session: Session
) -> None:
    reference = apply(yamada, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    shiken = make_client("staff", "staff-shiken-clerk")
    before = db_state(db_session)

    assert reference not in shiken.get("/backoffice/").text
    assert (
        reference not in shiken.get("/backoffice/", query_string={"procedure": "juminhyo", "state": "submitted"}).text
    )
    assert shiken.get(f"/backoffice/submissions/{reference}").status_code == 404
    assert shiken.get(f"/backoffice/submissions/{reference}/certificate.pdf").status_code == 404
    for name in ("start_review", "reject"):
        response = post_form(
            shiken,
            f"/backoffice/submissions/{reference}/transitions/{name}",
            {"comment": "x"},
            token_from="/backoffice/",
        )
        assert response.status_code == 404, name
    assert db_state(db_session) == before


def test_same_reference_in_two_municipalities_stays_apart(
    yamada: FlaskClient, make_client: Any, db_session: Session
) -> None:
    mihon_reference = apply(yamada, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    sato = make_client("resident", "resident-sato")
    shiken_reference = apply(
        sato, SHIKEN, "juminhyo", {**JUMINHYO_ANSWERS, "family_name": "佐藤", "given_name": "花子"}
    )
    assert mihon_reference == shiken_reference  # numbered per municipality

    shiken = make_client("staff", "staff-shiken-clerk")
    page = shiken.get(f"/backoffice/submissions/{shiken_reference}")
    assert "佐藤" in page.text and "山田" not in page.text
    assert fire(shiken, shiken_reference, "start_review").status_code == 302
    assert state_of(db_session, SHIKEN, shiken_reference) == "in_review"
    assert state_of(db_session, MIHON, mihon_reference) == "submitted"
    assert shiken_reference not in yamada.get(f"/{SHIKEN}/applications").text  # 佐藤's, not 山田's


@pytest.mark.parametrize(
    "code", ["131016", "123456", "999998", "99999", "abcdef", "9999970", "999997x", "９９９９９７"]
)
def test_unknown_municipality_is_not_found(yamada: FlaskClient, code: str) -> None:
    for path in (f"/{code}/", f"/{code}/procedures/juminhyo", f"/{code}/procedures/juminhyo/apply",
                 f"/{code}/applications", f"/{code}/applications/2026-000001"):  # fmt: skip
        response = yamada.get(path)
        assert response.status_code == 404, path
        assert "ページが見つかりません" in response.text


@pytest.mark.parametrize(
    "path",
    [
        f"/{SHIKEN}/procedures/sodai_gomi",  # exists, but 試験町 does not offer it
        f"/{SHIKEN}/procedures/sodai_gomi/apply",
        f"/{SHIKEN}/procedures/sodai_gomi/confirm",
        f"/{MIHON}/procedures/inkan",  # no such procedure
        f"/{MIHON}/procedures/inkan/apply",
    ],
)
def test_procedure_not_offered_is_not_found(yamada: FlaskClient, path: str) -> None:
    assert yamada.get(path).status_code == 404


def test_applying_to_a_procedure_not_offered_is_not_found(yamada: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    response = post_form(
        yamada,
        f"/{SHIKEN}/procedures/sodai_gomi/apply",
        JUMINHYO_ANSWERS,
        token_from=f"/{SHIKEN}/procedures/juminhyo/apply",
    )
    assert response.status_code == 404
    assert db_state(db_session) == before
    assert "sodai_gomi" not in yamada.get(f"/{SHIKEN}/").text


@pytest.mark.parametrize("path", ["/backoffice/", "/backoffice/submissions/2026-000001"])
def test_staff_pages_send_anonymous_and_residents_to_staff_login(yamada: FlaskClient, app: Any, path: str) -> None:
    for browser in (app.test_client(), yamada):
        response = browser.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/staff/login")


def test_resident_pages_send_anonymous_and_staff_to_resident_login(make_client: Any, app: Any) -> None:
    clerk = make_client("staff", "staff-mihon-clerk")
    for browser in (app.test_client(), clerk):
        for path in (f"/{MIHON}/applications", f"/{MIHON}/procedures/juminhyo/apply"):
            response = browser.get(path)
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/auth/resident/login"), path


def test_staff_transition_post_from_a_resident_session_changes_nothing(
    yamada: FlaskClient, db_session: Session
) -> None:
    reference = apply(yamada, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    before = db_state(db_session)
    response = post_form(
        yamada,
        f"/backoffice/submissions/{reference}/transitions/start_review",
        {},
        token_from=f"/{MIHON}/applications/{reference}",
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/staff/login")
    assert db_state(db_session) == before


def test_certificate_before_issue_is_not_found(yamada: FlaskClient, make_client: Any) -> None:
    reference = apply(yamada, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    approver = make_client("staff", "staff-mihon-approver")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "request_approval")
    fire(approver, reference, "approve")  # approved, but not yet issued
    assert yamada.get(f"/{MIHON}/applications/{reference}/certificate.pdf").status_code == 404
    assert clerk.get(f"/backoffice/submissions/{reference}/certificate.pdf").status_code == 404
