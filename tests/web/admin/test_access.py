"""Who reaches the administration pages: administrators their own municipality, operators every one, clerks none.

Another municipality is not found (404), as everywhere in the back office; staff without an administrative role are
forbidden (403). Refused requests change nothing.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.web.admin.conftest import ADMIN, CLERK, MIHON, OPERATOR, OTHER_ADMIN, SHIKEN, admin_state, submit
from tests.web.conftest import login

PAGES = [
    "/backoffice/admin/",
    f"/backoffice/admin/municipalities/{MIHON}/",
    f"/backoffice/admin/municipalities/{MIHON}/procedures/",
    f"/backoffice/admin/municipalities/{MIHON}/procedures/juminhyo",
    f"/backoffice/admin/municipalities/{MIHON}/audit",
    "/backoffice/admin/audit",
    "/backoffice/admin/municipalities/new",
]
DETAILS = {"name": "見本市", "prefecture": "見本県", "mayor_title": "見本市長", "mayor_name": "乗っ取り 太郎"}


def test_nobody_logged_in_is_sent_to_the_staff_login(client: FlaskClient) -> None:
    response = client.get(f"/backoffice/admin/municipalities/{MIHON}/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/staff/login")


@pytest.mark.parametrize("path", PAGES)
def test_a_clerk_is_forbidden_every_page(browser, db_session, path: str) -> None:
    assert browser(CLERK).get(path).status_code == 403


def test_a_clerk_cannot_change_anything(browser, db_session) -> None:
    clerk = browser(CLERK)
    before = admin_state(db_session)
    # The token comes from a page the clerk may open: the refusal is the role, not the missing token.
    response = submit(clerk, f"/backoffice/admin/municipalities/{MIHON}/", DETAILS, token_from="/backoffice/")
    assert response.status_code == 403
    assert admin_state(db_session) == before


@pytest.mark.parametrize("path", PAGES[1:5])
def test_another_municipalitys_administrator_does_not_find_it(browser, db_session, path: str) -> None:
    assert browser(OTHER_ADMIN).get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/backoffice/admin/municipalities/{MIHON}/",
        f"/backoffice/admin/municipalities/{MIHON}/procedures/juminhyo",
        f"/backoffice/admin/municipalities/{MIHON}/seal",
        f"/backoffice/admin/municipalities/{MIHON}/seal/1/confirm",
    ],
)
def test_another_municipalitys_administrator_cannot_change_it(browser, db_session, path: str) -> None:
    other = browser(OTHER_ADMIN)
    before = admin_state(db_session)
    own_page = f"/backoffice/admin/municipalities/{SHIKEN}/"
    response = submit(other, path, {**DETAILS, "enabled": "on", "fee": "0"}, token_from=own_page)
    assert response.status_code == 404
    assert admin_state(db_session) == before


def test_an_administrator_manages_only_their_own_municipality(admin: FlaskClient, db_session) -> None:
    response = admin.get("/backoffice/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/backoffice/admin/municipalities/{MIHON}/"
    assert admin.get("/backoffice/admin/municipalities/new").status_code == 403
    assert admin.get("/backoffice/admin/audit").status_code == 403  # the platform's log: operators only
    assert admin.get(f"/backoffice/admin/municipalities/{SHIKEN}/").status_code == 404
    assert admin.get("/backoffice/admin/municipalities/999998/").status_code == 404  # no such municipality


def test_an_operator_manages_every_municipality_and_sees_no_case(operator: FlaskClient, db_session) -> None:
    index = operator.get("/backoffice/admin/")
    assert index.status_code == 200
    assert f"/backoffice/admin/municipalities/{MIHON}/" in index.text
    assert f"/backoffice/admin/municipalities/{SHIKEN}/" in index.text
    for path in (*PAGES[1:], f"/backoffice/admin/municipalities/{SHIKEN}/procedures/"):
        assert operator.get(path).status_code == 200, path
    # Residents' cases are casework, which the platform's operator has no part in.
    assert operator.get("/backoffice/").status_code == 403


def test_a_login_starts_where_the_staff_member_works(client: FlaskClient, db_session) -> None:
    assert login(client, "staff", OPERATOR).headers["Location"] == "/backoffice/admin/"
    assert login(client, "staff", ADMIN).headers["Location"] == "/backoffice/"


@pytest.mark.parametrize(
    ("sub", "links"),
    [
        (CLERK, ['href="/backoffice/"']),
        (ADMIN, ['href="/backoffice/"', 'href="/backoffice/admin/"']),
        (OPERATOR, ['href="/backoffice/admin/"']),
    ],
)
def test_the_back_office_navigation_offers_what_the_person_may_open(browser, db_session, sub, links) -> None:
    staff = browser(sub)
    page = staff.get("/backoffice/" if sub != OPERATOR else "/backoffice/admin/").text
    nav = page.split('<nav class="staff-nav"', 1)[1].split("</nav>", 1)[0]
    assert sorted(link for link in ('href="/backoffice/"', 'href="/backoffice/admin/"') if link in nav) == sorted(links)
    assert 'aria-current="true"' in nav


def test_a_change_without_the_csrf_token_is_refused(admin: FlaskClient, db_session) -> None:
    before = admin_state(db_session)
    response = admin.post(f"/backoffice/admin/municipalities/{MIHON}/", data=DETAILS)
    assert response.status_code == 400
    assert admin_state(db_session) == before
