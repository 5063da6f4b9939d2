"""Replacing a municipality's seal: upload, a preview beside the current seal, then 確定 or 取消.

The upload is kept in the database until then; nothing about the municipality changes before the 確定, and a file
a certificate was printed with is never overwritten.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from portal.models import AuditAction, Municipality, PendingSeal
from portal.models.base import utcnow
from portal.seals import MAX_BYTES
from tests.web.admin.conftest import (
    ADMIN_NAME,
    CIRCLE,
    MIHON,
    SEALS,
    SVG,
    admin_state,
    audit_entries,
    error_summary,
    invalid_inputs,
    png,
    submit,
)
from tests.web.journeys import flashed

PAGE = f"/backoffice/admin/municipalities/{MIHON}/"
UPLOAD = f"{PAGE}seal"
NEW_SEAL = png(120, 120)
NEW_FILE = f"{MIHON}-{hashlib.sha256(NEW_SEAL).hexdigest()[:12]}.png"


def _upload(client: FlaskClient, name: str = "新しい公印.png", content: bytes = NEW_SEAL):  # type: ignore[no-untyped-def]
    return submit(client, UPLOAD, {}, token_from=PAGE, seal=(name, content))


def _preview(client: FlaskClient) -> tuple[str, str]:
    """Upload the new seal; (preview path, its page)."""
    response = _upload(client)
    assert response.status_code == 302, response.text
    path = response.headers["Location"]
    assert re.fullmatch(rf"{PAGE}seal/[\w-]{{32}}", path), path
    return path, client.get(path).text


def _seal(db_session) -> str:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    municipality = db_session.get(Municipality, MIHON)
    assert municipality is not None
    return municipality.seal


def test_an_upload_is_previewed_beside_the_current_seal_and_changes_nothing_yet(
    admin: FlaskClient, db_session, seal_files
) -> None:
    path, page = _preview(admin)
    assert 'src="/static/seals/999997.svg"' in page
    assert 'src="data:image/png;base64,' in page  # the upload itself has no URL
    assert "確定する" in page and "取り消す" in page
    assert _seal(db_session) == "999997.svg" and not (SEALS / NEW_FILE).exists()
    assert audit_entries(db_session) == []
    [pending] = db_session.scalars(select(PendingSeal)).all()
    assert pending.content == NEW_SEAL and pending.file_name == "新しい公印.png"


def test_confirming_replaces_the_seal_under_a_new_name_and_keeps_the_old_file(
    admin: FlaskClient, db_session, seal_files
) -> None:
    path, _page = _preview(admin)
    response = submit(admin, f"{path}/confirm", {}, token_from=path)
    assert "公印を差し替えました。" in flashed(admin, response)
    assert _seal(db_session) == NEW_FILE
    assert (SEALS / NEW_FILE).read_bytes() == NEW_SEAL
    assert (SEALS / "999997.svg").exists()  # certificates already issued name it
    assert db_session.scalars(select(PendingSeal)).all() == []
    [entry] = audit_entries(db_session)
    assert (entry.action, entry.actor_name, entry.target) == (
        AuditAction.SEAL_REPLACED,
        ADMIN_NAME,
        f"municipality:{MIHON}",
    )
    assert (entry.before, entry.after) == ({"seal": "999997.svg"}, {"seal": NEW_FILE})
    assert f'src="/static/seals/{NEW_FILE}"' in admin.get(PAGE).text


def test_cancelling_drops_the_upload_and_keeps_the_seal(admin: FlaskClient, db_session, seal_files) -> None:
    before = admin_state(db_session)
    path, _page = _preview(admin)
    response = submit(admin, f"{path}/cancel", {}, token_from=path)
    assert "公印の差し替えを取り消しました。公印は変わっていません。" in flashed(admin, response)
    assert admin_state(db_session) == before
    # A cancelled upload can no longer be confirmed, nor previewed.
    assert submit(admin, f"{path}/confirm", {}, token_from=PAGE).status_code == 303
    assert admin_state(db_session) == before
    assert "確認中の公印が見つかりません。" in flashed(admin, admin.get(path))


def test_a_second_upload_replaces_the_first_pending_one(admin: FlaskClient, db_session, seal_files) -> None:
    first, _page = _preview(admin)
    second = _upload(admin, "二つ目.svg", SVG.format(CIRCLE).encode()).headers["Location"]
    assert second != first
    response = submit(admin, f"{first}/confirm", {}, token_from=second)
    assert "確認中の公印が見つかりません。" in flashed(admin, response)
    assert _seal(db_session) == "999997.svg"
    assert [p.file_name for p in db_session.scalars(select(PendingSeal))] == ["二つ目.svg"]


def test_nobody_confirms_another_persons_upload(
    admin: FlaskClient, operator: FlaskClient, db_session, seal_files
) -> None:
    path, _page = _preview(operator)  # the operator manages 見本市 too
    before = admin_state(db_session)
    response = submit(admin, f"{path}/confirm", {}, token_from=PAGE)
    assert response.status_code == 303
    assert admin_state(db_session) == before


def test_an_upload_left_too_long_expires(admin: FlaskClient, db_session, seal_files) -> None:
    path, _page = _preview(admin)
    db_session.execute(update(PendingSeal).values(created_at=utcnow() - timedelta(hours=2)))
    before = admin_state(db_session)
    response = submit(admin, f"{path}/confirm", {}, token_from=PAGE)
    assert "もう一度アップロードしてください。" in flashed(admin, response)
    assert admin_state(db_session) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "公印.svg",
            SVG.format(CIRCLE + "<script>alert(1)</script>"),
            "公印.svg：公印の SVG に <script> は使えません。",
        ),
        (
            "公印.svg",
            SVG.format('<image href="https://example.com/x.png"/>'),
            "公印.svg：公印の SVG からファイルの外のもの",
        ),
        (
            "公印.svg",
            SVG.format(CIRCLE + " " * MAX_BYTES),
            "公印.svgは200KBです。公印の画像は200KB以下にしてください。",
        ),
        ("公印.png", png(8, 8), "公印.pngの大きさは8×8です。縦横とも16から4096までにしてください。"),
        ("公印.png", b"\x89PNG\r\n\x1a\n not really", "公印.pngは PNG 画像として読み取れません。"),
        ("公印.gif", b"GIF89a", "公印.gif：公印の画像は SVG（.svg）か PNG（.png）のファイルにしてください。"),
        (None, b"", "公印の画像ファイル（SVG または PNG）を選択してください。"),
    ],
)
def test_a_bad_file_shows_the_reason_and_changes_nothing(
    admin: FlaskClient, db_session, seal_files, name, content, message
) -> None:
    before = admin_state(db_session)
    data = content.encode() if isinstance(content, str) else content
    response = _upload(admin, name, data) if name else submit(admin, UPLOAD, {}, token_from=PAGE)
    assert response.status_code == 200
    [(anchor, shown)] = error_summary(response.text)
    assert anchor == "field-seal" and html.unescape(shown).startswith(message), shown
    assert "field-seal" in invalid_inputs(response.text)
    assert 'aria-describedby="field-seal-hint field-seal-error"' in response.text
    assert admin_state(db_session) == before


def test_the_reason_is_translated_for_an_english_page(admin: FlaskClient, db_session, seal_files) -> None:
    admin.get(PAGE, query_string={"lang": "en"})
    response = _upload(admin, "seal.gif", b"GIF89a")
    [(_anchor, shown)] = error_summary(response.text)
    assert html.unescape(shown) == "seal.gif: a seal must be an SVG (.svg) or PNG (.png) file."
