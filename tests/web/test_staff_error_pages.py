"""Error pages under /backoffice speak to staff (「業務画面に戻る」, the queue, the case's municipality); the
resident's keep the resident's wording."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import load_settings
from tests.web.conftest import login
from tests.web.dom import Node, parse

broken = Blueprint("broken_staff", __name__, url_prefix="/backoffice/test-only")


@broken.get("/unexpected")
def unexpected() -> str:
    raise RuntimeError("a bug")


def main_of(response: Any, status: int) -> Node:
    assert response.status_code == status
    return parse(html.unescape(response.text)).one("main")


def way_back(main: Node) -> tuple[str, str]:
    link = main.find_all("a")[-1]
    return link.text(), link["href"] or ""


@pytest.mark.parametrize(
    "path", ["/backoffice/submissions/2000-00000", "/backoffice/no-such-page", "/backoffice/admin/no-such-page"]
)
def test_a_page_not_found_in_the_back_office_leads_back_to_the_queue(make_client: Any, path: str) -> None:
    main = main_of(make_client("staff", "staff-mihon-clerk").get(path), 404)

    assert way_back(main) == ("業務画面に戻る", "/backoffice/")
    assert "あなたの自治体の申請であることを確認してください" in main.text()
    assert "トップページへ戻る" not in main.text()


def test_staff_not_logged_in_are_led_to_the_back_office_too(client: FlaskClient) -> None:
    main = main_of(client.get("/backoffice/no-such-page"), 404)

    assert way_back(main) == ("業務画面に戻る", "/backoffice/")


def test_a_forbidden_page_speaks_of_the_staff_members_permissions(make_client: Any) -> None:
    operator = make_client("staff", "staff-platform-operator")  # administers the platform, sees no case

    main = main_of(operator.get("/backoffice/"), 403)

    assert "ログインしている職員の権限では、このページを表示できません。" in main.text()
    assert "担当部署の管理者に問い合わせてください" in main.text()
    assert way_back(main) == ("業務画面に戻る", "/backoffice/admin/")  # the operator's own front page


def test_residents_keep_the_residents_wording(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")

    main = main_of(client.get("/999997/applications/2000-00000"), 404)

    assert way_back(main) == ("トップページへ戻る", "/999997/")
    assert "業務画面" not in main.text() and "自治体の申請であること" not in main.text()


@pytest.fixture(scope="module")
def broken_app(database_url: str, idp: Any, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The portal with a back-office route that fails, errors handled as in production. Module scope: created
    before db_session points the shared ``db`` at the test's transaction."""
    settings = load_settings(
        {
            "MADOGUCHI_ENV": "testing",
            "DATABASE_URL": database_url,
            "SESSION_DIR": str(tmp_path_factory.mktemp("broken-staff-sessions")),
            "DEV_IDP_URL": idp.url,
        }
    )
    app = create_app(settings, {"PROPAGATE_EXCEPTIONS": False})
    app.register_blueprint(broken)
    return app


def test_a_system_error_in_the_back_office_tells_staff_to_check_the_case(
    broken_app: Flask, db_session: Session, demo: Any
) -> None:
    clerk = broken_app.test_client()
    assert login(clerk, "staff", "staff-mihon-clerk").status_code == 302

    main = main_of(clerk.get("/backoffice/test-only/unexpected"), 500)

    assert "その操作は完了していないことがあります。受付一覧で案件の状況を確認して" in main.text()
    assert "申請が受け付けられていない" not in main.text()
    assert way_back(main) == ("業務画面に戻る", "/backoffice/")
