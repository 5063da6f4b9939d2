"""A municipality's 代表電話 and 開庁時間: set on its settings page (audited), shown on the procedure page and the
receipt after a procedure's own 窓口; bad input shows the error and changes nothing."""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient

from portal.models import AuditAction, Municipality
from tests.web.admin.conftest import MIHON, admin_state, audit_entries, error_summary, invalid_inputs, submit
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, flashed

PAGE = f"/backoffice/admin/municipalities/{MIHON}/"
CONTACT = f"{PAGE}contact"


def test_an_administrator_sets_the_phone_and_hours_and_the_audit_log_keeps_them(admin: FlaskClient, db_session) -> None:
    page = html.unescape(admin.get(PAGE).text)
    assert 'value="099-000-0000"' in page and 'value="平日 8時30分〜17時15分"' in page  # the demo's

    response = submit(
        admin, CONTACT, {"phone": "０９９－１２３－４５６７", "opening_hours": "平日 9時〜17時"}, token_from=PAGE
    )

    assert "お問い合わせ先を保存しました。" in flashed(admin, response)
    db_session.expire_all()
    municipality = db_session.get(Municipality, MIHON)
    assert (municipality.phone, municipality.opening_hours) == ("099-123-4567", "平日 9時〜17時")
    [entry] = audit_entries(db_session)
    assert (entry.action, entry.target) == (AuditAction.MUNICIPALITY_CHANGED, f"municipality:{MIHON}")
    assert entry.before == {"phone": "099-000-0000", "opening_hours": "平日 8時30分〜17時15分"}
    assert entry.after == {"phone": "099-123-4567", "opening_hours": "平日 9時〜17時"}

    before = admin_state(db_session)
    assert (
        submit(
            admin, CONTACT, {"phone": "099-123-4567", "opening_hours": "平日 9時〜17時"}, token_from=PAGE
        ).status_code
        == 302
    )
    assert admin_state(db_session) == before  # nothing changed: nothing written
    cleared = submit(admin, CONTACT, {"phone": "", "opening_hours": ""}, token_from=PAGE)
    assert cleared.status_code == 302
    db_session.expire_all()
    assert (db_session.get(Municipality, MIHON).phone, db_session.get(Municipality, MIHON).opening_hours) == (
        None,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "窓口まで"}, "phone", "代表電話番号は市外局番から正しい電話番号を入力してください"),
        ({"opening_hours": "時" * 101}, "opening_hours", "開庁時間は100文字以内で入力してください"),
    ],
)
def test_bad_contact_shows_the_error_and_changes_nothing(
    admin: FlaskClient, db_session, changes, field, message
) -> None:
    before = admin_state(db_session)
    response = submit(admin, CONTACT, {"phone": "099-000-0000", "opening_hours": "平日", **changes}, token_from=PAGE)
    assert response.status_code == 200
    [(anchor, shown)] = error_summary(response.text)
    assert anchor == f"field-{field}" and shown.startswith(message), shown
    assert f"field-{field}" in invalid_inputs(response.text)
    assert admin_state(db_session) == before


def test_the_receipt_and_procedure_page_name_the_municipality_after_the_procedures_own_counter(
    client: FlaskClient, db_session
) -> None:
    login(client, "resident", "resident-yamada")
    reference = apply(client, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    receipt = html.unescape(client.get(f"/{MIHON}/applications/{reference}/receipt").text)
    assert 'href="tel:0990000000">099-000-0000</a>' in receipt and "平日 8時30分〜17時15分" in receipt

    offer = db_session.get(Municipality, MIHON).procedure("juminhyo")
    offer.contact_name, offer.contact_phone = "市民課 住民記録担当", "099-000-1234"
    db_session.flush()
    page = html.unescape(client.get(f"/{MIHON}/procedures/juminhyo").text)
    assert "市民課 住民記録担当" in page and "099-000-1234" in page and "099-000-0000" not in page
    assert "平日 8時30分〜17時15分" in page  # the procedure set no hours of its own
