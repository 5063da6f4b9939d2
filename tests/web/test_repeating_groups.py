"""Issue 8 item 2: a repeating group (several dogs in one 犬の登録) added to and taken from without JavaScript, each
row checked with its errors linked from the summary, and the rows shown on 確認, in the back office and printed."""

from __future__ import annotations

import html
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import ROOT
from portal.japan import jst
from portal.japan.wareki import format_date
from portal.models import Certificate, Draft, Submission
from tests.web.conftest import login
from tests.web.journeys import apply, db_state, fire, hidden_inputs, post_form, state_of

CODE = "999997"  # 見本市: signs certificates in the tests
APPLY = f"/{CODE}/procedures/inu_toroku/apply"

DEFINITION = """\
title: 犬の登録申請
summary: 飼い犬を登録します。
description: 生後91日以上の犬を飼い始めたら、30日以内に登録してください。
fee: 0
processing_days: 14
workflow: inu_toroku
certificate: inu_toroku
pages:
  - key: dogs
    title: 犬について
    fields:
      - name: dogs
        type: group
        label: 登録する犬
        item_label: 犬
        min: 1
        max: 3
        fields:
          - {name: dog_name, type: text, label: 犬の名前, max_length: 30}
          - {name: breed, type: select, label: 犬種, options: [{value: shiba, label: 柴犬}, {value: other, label: その他}]}
          - {name: birth_date, type: date, label: 生年月日, max: today, required: false}
      - {name: note, type: text, label: 連絡事項, required: false}
"""

WORKFLOW = """\
title: 犬の登録
initial: received
states:
  received: {label: 受付}
  registered: {label: 登録済み, final: true}
transitions:
  - name: register
    label: 登録する
    from: [received]
    to: registered
    roles: [clerk]
    effects: [issue_certificate]
"""

TEMPLATE = """\
{% extends "_base.html" %}
{% block title %}犬の登録証明書 {{ issue_number }}{% endblock %}
{% block body %}<h1 class="title">犬の登録証明書</h1>
{% for dog in answers.dogs %}<p>{{ loop.index }}. {{ dog.dog_name }}（{{ dog.breed }}）</p>{% endfor %}
<p class="blank-below">以下余白</p>{% endblock %}
{% block certification %}上記のとおり登録されていることを証明する。{% endblock %}
"""


def operator(build_app: Callable[..., Flask], tmp_path: Path, template: str = TEMPLATE) -> Callable[..., Any]:
    """The flask command on a copy of the catalog with the dog registration added."""
    for name in ("forms_catalog", "workflows", "certificate_templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "forms_catalog/inu_toroku.yaml").write_text(DEFINITION, encoding="utf-8")
    (tmp_path / "workflows/inu_toroku.yaml").write_text(WORKFLOW, encoding="utf-8")
    (tmp_path / "certificate_templates/inu_toroku.html").write_text(template, encoding="utf-8")
    runner = build_app(
        CATALOG_DIR=str(tmp_path / "forms_catalog"),
        WORKFLOWS_DIR=str(tmp_path / "workflows"),
        CERTIFICATES_DIR=str(tmp_path / "certificate_templates"),
    ).test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture
def inu_toroku(build_app: Callable[..., Flask], tmp_path: Path, demo: Any) -> None:
    """The dog registration published and enabled in 見本市."""
    flask = operator(build_app, tmp_path)
    for args in (["catalog", "publish"], ["municipality", "enable", CODE, "inu_toroku"]):
        result = flask(*args)
        assert result.exit_code == 0, result.output


def test_catalog_check_prints_the_certificate_with_sample_rows_and_without_optional_answers(
    build_app: Callable[..., Flask], tmp_path: Path
) -> None:
    """The template above printed every sample dog; one printing the optional 連絡事項 unguarded is refused."""
    unguarded = TEMPLATE.replace('<p class="blank-below">', '<p>{{ answers.note }}</p><p class="blank-below">')
    result = operator(build_app, tmp_path, unguarded)("catalog", "check")
    assert result.exit_code == 1
    assert (
        "certificate_templates/inu_toroku.html:5: rendering the sample with the required answers only: "
        "UndefinedError: 'dict object' has no attribute 'note'" in result.output
    )


def dog(number: int, name: str, breed: str = "shiba", **birth: str) -> dict[str, str]:
    row = {f"dogs-{number}-dog_name": name, f"dogs-{number}-breed": breed}
    return row | {f"dogs-{number}-birth_date-{part}": value for part, value in birth.items()}


def row_names(page: str) -> list[str]:
    """The 犬の名前 inputs' values, row by row."""
    return re.findall(r'name="dogs-\d+-dog_name" value="([^"]*)"', page)


@pytest.mark.usefixtures("inu_toroku")
def test_rows_are_added_and_removed_with_buttons_and_kept_in_the_draft(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    first = client.get(APPLY).text
    assert row_names(first) == [""]  # a required group opens with its min rows
    assert "犬 1" in first and "犬を追加" in first
    assert re.search(r'value="dogs-1" formnovalidate hidden>犬 1を削除', first)  # the one row it needs

    added = post_form(client, APPLY, {"dogs-rows": "1", **dog(1, "ポチ"), "group_add": "dogs"})
    assert added.status_code == 302 and added.headers["Location"].endswith("?page=dogs#field-dogs-2")
    page = client.get(APPLY).text
    assert row_names(page) == ["ポチ", ""] and 'id="field-dogs-2"' in page
    assert re.search(r'value="dogs-2" formnovalidate>犬 2を削除', page)

    post_form(
        client, APPLY, {"dogs-rows": "3", **dog(1, "ポチ"), **dog(2, "タロ"), **dog(3, "ハナ"), "group_add": "dogs"}
    )
    full = client.get(APPLY).text
    assert row_names(full) == ["ポチ", "タロ", "ハナ"]
    assert re.search(r'class="button button--secondary group__add"[^>]*hidden', full)  # max 3 rows shown

    removed = post_form(client, APPLY, {"dogs-rows": "3", **dog(1, "ポチ"), **dog(2, "タロ"), **dog(3, "ハナ"), "group_remove": "dogs-1"})  # fmt: skip
    assert removed.headers["Location"].endswith("#field-dogs")
    assert row_names(client.get(APPLY).text) == ["タロ", "ハナ"]  # the rows after it moved up


@pytest.mark.usefixtures("inu_toroku")
def test_a_bad_row_is_named_by_its_number_and_linked_from_the_summary(client: FlaskClient, db_session: Session) -> None:
    login(client, "resident", "resident-yamada")
    before = db_state(db_session)
    future = {"era": "seireki", "year": "2999", "month": "1", "day": "1"}
    sent = {
        "dogs-rows": "3",
        **dog(1, "ポチ"),
        **dog(2, "", breed="bulldog"),
        **dog(3, "ハナ", **future),
        "action": "next",
    }
    response = post_form(client, APPLY, sent)

    assert response.status_code == 200
    text = html.unescape(response.text)
    summary = text.split('class="error-summary__list"')[1].split("</ul>")[0]
    assert re.findall(r'href="#([^"]+)">([^<]+)<', summary) == [
        ("field-dogs-2-dog_name", "犬 2：犬の名前を入力してください"),
        ("field-dogs-2-breed", "犬 2：犬種は選択肢から選んでください"),
        ("field-dogs-3-birth_date", f"犬 3：生年月日は{format_date(jst.today())}以前の日付を入力してください"),
    ]
    assert re.search(r'id="field-dogs-2-dog_name"[^>]*aria-invalid="true"', text)
    assert re.search(r'id="field-dogs-2-dog_name"[^>]*aria-describedby="[^"]*field-dogs-2-dog_name-error', text)
    assert 'id="field-dogs-1-dog_name"' in text and not re.search(r'id="field-dogs-1-dog_name"[^>]*aria-invalid', text)
    assert row_names(text) == ["ポチ", "", "ハナ"]  # what was typed stays
    assert db_state(db_session) == before  # no submission, nothing decided


@pytest.mark.usefixtures("inu_toroku")
def test_blank_rows_are_dropped_and_rows_beyond_max_never_read(client: FlaskClient, db_session: Session) -> None:
    login(client, "resident", "resident-yamada")
    none_typed = post_form(client, APPLY, {"dogs-rows": "2", **dog(1, "", breed=""), "action": "next"})
    assert "登録する犬を入力してください" in html.unescape(none_typed.text)

    tampered = {
        "dogs-rows": "9",
        **dog(1, "ポチ"),
        **dog(2, "", breed=""),
        **dog(4, "コロ"),
        **dog(9, "ゴン"),
        "action": "next",
    }
    assert post_form(client, APPLY, tampered).status_code == 302
    reference = _submit(client)
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.answers["dogs"] == [{"dog_name": "ポチ", "breed": "shiba"}]


@pytest.mark.usefixtures("inu_toroku")
def test_the_rows_are_confirmed_decided_and_printed(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    login(client, "resident", "resident-yamada")
    birth = {"era": "reiwa", "year": "5", "month": "4", "day": "1"}
    reference = apply(
        client, CODE, "inu_toroku", {"dogs-rows": "2", **dog(1, "ポチ", **birth), **dog(2, "タロ", "other")}
    )
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.answers["dogs"] == [
        {"dog_name": "ポチ", "breed": "shiba", "birth_date": "2023-04-01"},
        {"dog_name": "タロ", "breed": "other"},
    ]
    assert db_session.scalars(select(Draft)).all() == []

    clerk = make_client("staff", "staff-mihon-clerk")
    case = html.unescape(clerk.get(f"/backoffice/submissions/{reference}").text)
    name = r'<dd><span lang="ja">{}</span></dd>'  # as the applicant typed it
    assert re.search(
        rf"犬 1</p>.*?犬の名前</dt>\s*{name.format('ポチ')}.*?生年月日</dt>\s*<dd>令和5年（2023年）4月1日", case, re.S
    )
    assert re.search(rf"犬 2</p>.*?犬の名前</dt>\s*{name.format('タロ')}.*?犬種</dt>\s*<dd>その他</dd>", case, re.S)
    assert fire(clerk, reference, "register").status_code == 302
    assert state_of(db_session, CODE, reference) == "registered"

    db_session.expire_all()
    certificate = db_session.scalars(select(Certificate)).one()
    assert certificate.context is not None and certificate.context["answers"]["dogs"][1]["dog_name"] == "タロ"
    assert certificate.pdf is not None
    printed = "".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate.pdf)).pages)
    assert "1. ポチ（shiba）" in printed and "2. タロ（other）" in printed


@pytest.mark.usefixtures("inu_toroku")
def test_the_confirmation_page_lists_each_row_under_its_heading(client: FlaskClient) -> None:
    login(client, "resident", "resident-yamada")
    post_form(client, APPLY, {"dogs-rows": "2", **dog(1, "ポチ"), **dog(2, "タロ"), "action": "next"})
    confirm = html.unescape(client.get(f"/{CODE}/procedures/inu_toroku/confirm").text)
    assert re.search(r"登録する犬</dt>\s*<dd>\s*<p[^>]*>犬 1</p>.*?ポチ.*?犬 2</p>.*?タロ", confirm, re.S)
    assert f'href="{APPLY}?page=dogs&amp;return=confirm#field-dogs"'.replace("&amp;", "&") in confirm


def _submit(client: FlaskClient) -> str:
    confirm = f"/{CODE}/procedures/inu_toroku/confirm"
    response = client.post(confirm, data=hidden_inputs(client, confirm))
    assert response.status_code == 302, response.text
    return response.headers["Location"].split("/")[-2]
