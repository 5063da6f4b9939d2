"""Attachments through the web: a file field in a wizard step, its files kept in the draft and submitted, the
bad list refused with nothing stored, and downloads for the municipality's staff and the owner alone."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.models import Draft, Submission
from portal.models.base import utcnow
from portal.tasks.drafts import PURGE
from tests.unit.attachments import files
from tests.web.conftest import logged_in
from tests.web.journeys import csrf_token, hidden_inputs, post_form, receipt_reference

CODE = "999997"
APPLY = f"/{CODE}/procedures/tenpu/apply"
PHOTOS, NOTE = f"{APPLY}?page=photos", f"{APPLY}?page=note"
CONFIRM = f"/{CODE}/procedures/tenpu/confirm"
MAX_SIZE = 200_000

DEFINITION = f"""\
title: 写真の提出
summary: 写真を添付して提出します。
description: 被害の写真を添付してください。
fee: 0
processing_days: 7
workflow: tenpu
pages:
  - key: photos
    title: 写真
    fields:
      - name: photos
        type: file
        label: 被害の写真
        accept: [jpeg, png, pdf]
        max_size: {MAX_SIZE}
        max_count: 2
  - key: note
    title: 備考
    fields:
      - name: note
        type: text
        label: 備考
        required: false
"""

WORKFLOW = """\
title: 写真の提出
initial: received
states:
  received: {label: 受付}
  done: {label: 完了, final: true}
transitions:
  - name: finish
    label: 完了する
    from: [received]
    to: done
    roles: [clerk]
"""


@pytest.fixture
def portal(build_app: Callable[..., Flask], sources: Path, demo: Any, tmp_path: Path) -> Flask:
    """A portal whose catalog has 写真の提出 (a required file field), offered by 見本市; its storage a directory."""
    return tenpu_portal(build_app, sources, tmp_path, DEFINITION)


def tenpu_portal(build_app: Callable[..., Flask], sources: Path, tmp_path: Path, definition: str) -> Flask:
    (sources / "forms_catalog/tenpu.yaml").write_text(definition, encoding="utf-8")
    (sources / "workflows/tenpu.yaml").write_text(WORKFLOW, encoding="utf-8")
    app = build_app(
        CATALOG_DIR=str(sources / "forms_catalog"),
        WORKFLOWS_DIR=str(sources / "workflows"),
        CERTIFICATES_DIR=str(sources / "certificate_templates"),
        ATTACHMENT_DIR=str(tmp_path / "attachments"),
    )
    for command in (["catalog", "publish"], ["municipality", "enable", CODE, "tenpu"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def storage_dir(tmp_path: Path) -> Path:
    return tmp_path / "attachments"


@pytest.fixture
def yamada(portal: Flask) -> FlaskClient:
    return logged_in(portal, "resident", "resident-yamada")


def stored(storage_dir: Path) -> list[Path]:
    return sorted(p for p in storage_dir.rglob("*") if p.is_file())


def draft(db_session: Session) -> dict[str, list[str]] | None:
    db_session.expire_all()
    return db_session.scalars(select(Draft.answers)).one_or_none()


def upload(client: FlaskClient, uploads: list[tuple[bytes, str]], **data: str):  # type: ignore[no-untyped-def]
    """次へ on the photos page with these files chosen (``data`` adds or replaces form inputs)."""
    chosen = [(io.BytesIO(content), name) for content, name in uploads]
    form: dict[str, Any] = {"csrf_token": csrf_token(client, PHOTOS), "action": "next", "photos": chosen, **data}
    return client.post(PHOTOS, data=form, content_type="multipart/form-data")


def text_of(response: Any) -> str:
    return html.unescape(response.text)


def field_error(page: str) -> str:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, "no error summary"
    assert re.findall(r'href="#([^"]+)"', summary.group(0)) == ["field-photos"]
    error = re.search(r'<p class="field__error" id="field-photos-error">.*?</span>(.*?)</p>', page, re.S)
    assert error
    return error.group(1)


# -- the journey -----------------------------------------------------------------------------------


def test_attach_remove_submit_and_download(
    portal: Flask, yamada: FlaskClient, storage_dir: Path, db_session: Session
) -> None:
    form = yamada.get(PHOTOS).text
    assert 'enctype="multipart/form-data"' in form
    assert 'accept="image/jpeg,image/png,application/pdf"' in form and " multiple" in form

    # 次へ without a file: the required field says so.
    refused = yamada.post(PHOTOS, data={"csrf_token": csrf_token(yamada, PHOTOS), "action": "next"})
    assert field_error(text_of(refused)) == "被害の写真のファイルを添付してください"

    sent = upload(yamada, [(files.jpeg_with_gps(), "庭の写真.jpg"), (files.pdf(), "見積書.pdf")])
    assert sent.status_code == 302 and sent.headers["Location"] == NOTE
    assert len(stored(storage_dir)) == 2
    photo = next(p for p in stored(storage_dir) if p.read_bytes().startswith(b"\xff\xd8"))
    with Image.open(photo) as image:
        assert not image.getexif() and "comment" not in image.info  # stored without EXIF, GPS or comment

    page = text_of(yamada.get(PHOTOS))
    assert re.findall(r'<span class="attachments__name">([^<]+)</span>', page) == ["庭の写真.jpg", "見積書.pdf"]
    assert "2個まで" in page and 'type="file"' not in page  # the two allowed are attached

    # 削除 of the PDF: gone from the draft and from the storage.
    key = re.search(r'name="remove_attachment" value="([0-9a-f]{32})"[^>]*aria-label="「見積書.pdf」を削除"', page)
    assert key
    removed = yamada.post(
        PHOTOS,
        data={"csrf_token": csrf_token(yamada, PHOTOS), "remove_attachment": key.group(1)},
        content_type="multipart/form-data",
    )
    assert removed.status_code == 200 and "「見積書.pdf」を削除しました。" in text_of(removed)
    assert stored(storage_dir) == [photo]
    answers = draft(db_session)
    assert answers is not None and len(answers["photos"]) == 1 and "庭の写真.jpg" in answers["photos"][0]

    # The one stored file satisfies the required field on 次へ with no new file.
    onward = upload(yamada, [])
    assert onward.status_code == 302 and onward.headers["Location"] == NOTE
    to_confirm = yamada.post(NOTE, data={"csrf_token": csrf_token(yamada, NOTE), "action": "next", "note": "よろしく"})
    assert to_confirm.headers["Location"] == CONFIRM
    confirm = text_of(yamada.get(CONFIRM))
    assert "庭の写真.jpg" in confirm and "見積書.pdf" not in confirm
    reference = receipt_reference(CODE, yamada.post(CONFIRM, data=hidden_inputs(yamada, CONFIRM)))
    db_session.expire_all()
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    [ref] = submission.answers["photos"]
    assert ref["name"] == "庭の写真.jpg" and ref["media_type"] == "image/jpeg"
    assert ref["size"] == photo.stat().st_size and ref["key"] == photo.name

    # Staff of 見本市 download it from the case page: an attachment, never inline.
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    case = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    staff_url = f"/backoffice/submissions/{reference}/attachments/{ref['key']}"
    assert f'href="{staff_url}"' in case and "庭の写真.jpg" in case
    download = clerk.get(staff_url)
    assert download.status_code == 200 and download.data == photo.read_bytes()
    assert download.headers["Content-Type"] == "image/jpeg"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%BA%AD%E3%81%AE%E5%86%99%E7%9C%9F.jpg" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]

    # The owner downloads it from their application page.
    own_url = f"/{CODE}/applications/{reference}/attachments/{ref['key']}"
    assert f'href="{own_url}"' in text_of(yamada.get(f"/{CODE}/applications/{reference}"))
    mine = yamada.get(own_url)
    assert mine.status_code == 200 and mine.data == photo.read_bytes()
    assert mine.headers["Content-Disposition"].startswith("attachment;")

    # Nobody else finds it, nor a key the answers do not hold.
    assert logged_in(portal, "resident", "resident-sato").get(own_url).status_code == 404
    other_town = logged_in(portal, "staff", "staff-shiken-clerk")
    assert other_town.get(staff_url).status_code == 404
    assert clerk.get(f"/backoffice/submissions/{reference}/attachments/{'0' * 32}").status_code == 404
    assert yamada.get(f"/{CODE}/applications/{reference}/attachments/../../etc").status_code == 404


def test_a_reference_sent_by_the_browser_is_ignored(
    yamada: FlaskClient, storage_dir: Path, db_session: Session
) -> None:
    upload(yamada, [(files.pdf(), "mine.pdf")])
    forged = '{"key": "' + "a" * 32 + '", "media_type": "application/pdf", "name": "x.pdf", "sha256": "' + "0" * 64
    forged += '", "size": 10}'
    yamada.post(PHOTOS, data={"csrf_token": csrf_token(yamada, PHOTOS), "action": "next", "photos": forged})
    answers = draft(db_session)
    assert answers is not None and len(answers["photos"]) == 1 and "mine.pdf" in answers["photos"][0]


def test_more_files_than_the_field_takes_are_refused(yamada: FlaskClient, storage_dir: Path) -> None:
    upload(yamada, [(files.pdf(), "one.pdf")])
    before = stored(storage_dir)
    refused = upload(yamada, [(files.pdf(), "two.pdf"), (files.pdf(), "three.pdf")])
    assert field_error(text_of(refused)) == "被害の写真は2個まで添付できます"
    assert stored(storage_dir) == before


# -- the bad list: a clear field error, nothing stored, the draft as it was ----------------------------

BAD = {
    "renamed executable": (files.ELF, "photo.jpg", "「photo.jpg」の中身は、拡張子（.jpg）が示す JPEG ではありません"),
    "oversize": (files.noise_png(600), "big.png", "「big.png」は大きすぎます。200KB以下のファイルを選んでください"),
    "zip renamed .pdf": (
        files.small_zip(),
        "scan.pdf",
        "「scan.pdf」の中身は、拡張子（.pdf）が示す PDF ではありません",
    ),
    "pdf+zip polyglot": (files.pdf() + files.small_zip(), "scan.pdf", "「scan.pdf」"),
    "svg with script": (files.SVG_WITH_SCRIPT, "map.svg", "「map.svg」は添付できない種類のファイルです"),
    "0 bytes": (b"", "empty.pdf", "「empty.pdf」は空のファイル（0バイト）です。中身のあるファイルを選んでください"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_file_is_refused_with_nothing_stored(
    case: str, yamada: FlaskClient, storage_dir: Path, db_session: Session
) -> None:
    upload(yamada, [(files.pdf(), "earlier.pdf")])
    before, saved = stored(storage_dir), draft(db_session)
    content, name, message = BAD[case]
    refused = upload(yamada, [(content, name)])
    assert refused.status_code == 200
    assert field_error(text_of(refused)).startswith(message)
    assert stored(storage_dir) == before and draft(db_session) == saved
    assert "earlier.pdf" in text_of(refused)  # what was attached before is still listed


def test_a_path_traversal_name_is_stored_under_a_generated_key(
    yamada: FlaskClient, storage_dir: Path, db_session: Session
) -> None:
    assert upload(yamada, [(files.pdf(), "../../../etc/passwd.pdf")]).status_code == 302
    [path] = stored(storage_dir)
    assert re.fullmatch(r"[0-9a-f]{32}", path.name) and path.parent.parent == storage_dir
    assert "passwd.pdf" in re.findall(r'<span class="attachments__name">([^<]+)</span>', yamada.get(PHOTOS).text)


def test_a_file_name_that_is_not_utf8_is_refused(yamada: FlaskClient, storage_dir: Path, db_session: Session) -> None:
    """Raw multipart bytes: the name in Shift_JIS, as no browser sends it. Werkzeug's parser then drops the
    whole form (its CSRF token with it), so no field can show the error: the page says what was wrong."""
    boundary = "boundary1234"
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'.encode(),
            csrf_token(yamada, PHOTOS).encode() + b"\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="action"\r\n\r\nnext\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="'.encode(),
            "写真.pdf".encode("shift_jis") + b'"\r\nContent-Type: application/pdf\r\n\r\n',
            files.pdf() + f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    refused = yamada.post(PHOTOS, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert refused.status_code == 400
    assert "送信されたファイルの名前を読み取れませんでした。ファイル名を変えてから" in text_of(refused)
    assert "時間が経ったため" not in text_of(refused)  # not the expired-form message of a missing CSRF token
    assert stored(storage_dir) == [] and draft(db_session) is None


def test_a_file_larger_than_a_plain_form_is_taken_up_to_the_field_limit(
    build_app: Callable[..., Flask], sources: Path, demo: Any, tmp_path: Path, storage_dir: Path
) -> None:
    """A photo of about 1.7 MB: more than any form without files may send, within the field's 3 MB. The limit is
    raised before the CSRF check reads the form; a request beyond every file at its largest is still refused."""
    app = tenpu_portal(build_app, sources, tmp_path, DEFINITION.replace(f"max_size: {MAX_SIZE}", "max_size: 3MB"))
    client = logged_in(app, "resident", "resident-yamada")
    photo = files.noise_png(1300)
    assert len(photo) > 1024 * 1024
    assert upload(client, [(photo, "large.png")]).status_code == 302
    assert len(stored(storage_dir)) == 1

    beyond = files.noise_png(2800)  # over 2 files × 3 MB + the form
    assert len(beyond) > 7 * 1024 * 1024
    assert upload(client, [(beyond, "huge.png")]).status_code == 413
    assert len(stored(storage_dir)) == 1


def test_a_drafts_files_go_with_it_once_that_commits(
    portal: Flask, yamada: FlaskClient, storage_dir: Path, db_session: Session
) -> None:
    """Deleted by the resident, or purged when expired: the bytes go too."""
    upload(yamada, [(files.pdf(), "見積書.pdf")])
    [kept] = stored(storage_dir)
    deleted = post_form(yamada, f"/{CODE}/drafts/tenpu/delete", {}, token_from=f"/{CODE}/applications")
    assert deleted.status_code == 303 and stored(storage_dir) == [] and draft(db_session) is None

    upload(yamada, [(files.pdf(), "見積書.pdf")])
    db_session.execute(update(Draft).values(updated_at=utcnow() - timedelta(days=31)))
    db_session.flush()
    assert len(stored(storage_dir)) == 1
    portal.extensions["celery"].tasks[PURGE].apply().get()
    assert stored(storage_dir) == [] and draft(db_session) is None
    assert not kept.exists()


def test_a_submitted_drafts_files_stay_with_the_submission(
    yamada: FlaskClient, storage_dir: Path, db_session: Session
) -> None:
    upload(yamada, [(files.pdf(), "見積書.pdf")])
    yamada.post(NOTE, data={"csrf_token": csrf_token(yamada, NOTE), "action": "next"})
    receipt_reference(CODE, yamada.post(CONFIRM, data=hidden_inputs(yamada, CONFIRM)))
    assert draft(db_session) is None and len(stored(storage_dir)) == 1
