"""Issue 7's "done when": a new procedure with its workflow and certificate template goes from files to one
municipality's residents with the commands alone, and a later change leaves its old cases intact."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import ROOT
from portal.models import Certificate, Submission
from tests.web.conftest import login
from tests.web.journeys import apply, fire, state_of

CODE = "999997"  # 見本市: the municipality with a signing key in the tests
OTHER = "999989"  # 試験町: never enables it

DEFINITION = """\
title: 犬の登録申請
summary: 飼い犬を登録します。
description: 生後91日以上の犬を飼い始めたら、30日以内に登録してください。
fee: 3000
processing_days: 14
workflow: inu_toroku
certificate: inu_toroku
pages:
  - key: dog
    title: 犬について
    fields:
      - name: dog_name
        type: text
        label: 犬の名前
        max_length: 30
      - name: breed
        type: select
        label: 犬種
        options:
          - {value: shiba, label: 柴犬}
          - {value: other, label: その他}
"""

WORKFLOW = """\
title: 犬の登録
initial: received
states:
  received: {label: 受付}
  registered: {label: 登録済み, final: true}
  withdrawn: {label: 取下げ, final: true}
transitions:
  - name: register
    label: 登録する
    from: [received]
    to: registered
    roles: [clerk]
    effects: [issue_certificate]
  - name: withdraw
    label: 取り下げる
    from: [received]
    to: withdrawn
    roles: [applicant]
"""

TEMPLATE = """\
{% extends "_base.html" %}
{% block title %}犬の登録証明書 {{ issue_number }}{% endblock %}
{% block body %}<h1 class="title">犬の登録証明書</h1><p class="blank-below">以下余白</p>{% endblock %}
{% block certification %}上記のとおり登録されていることを証明する。{% endblock %}
"""


def test_a_new_procedure_goes_from_files_to_residents_and_its_cases_survive_a_change(
    build_app: Callable[..., Flask], tmp_path: Path, client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    for name in ("forms_catalog", "workflows", "certificate_templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "forms_catalog/inu_toroku.yaml").write_text(DEFINITION, encoding="utf-8")
    (tmp_path / "workflows/inu_toroku.yaml").write_text(WORKFLOW, encoding="utf-8")
    (tmp_path / "certificate_templates/inu_toroku.html").write_text(TEMPLATE, encoding="utf-8")
    operator = build_app(
        CATALOG_DIR=str(tmp_path / "forms_catalog"),
        WORKFLOWS_DIR=str(tmp_path / "workflows"),
        CERTIFICATES_DIR=str(tmp_path / "certificate_templates"),
    ).test_cli_runner()

    def flask(*args: str) -> str:
        result = operator.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output

    published = flask("catalog", "publish").splitlines()
    assert {"definition inu_toroku: (none) → v1", "workflow inu_toroku: (none) → v1"} <= set(published)
    assert "certificate inu_toroku: (none) → v1" in published
    login(client, "resident", "resident-yamada")
    assert client.get(f"/{CODE}/procedures/inu_toroku").status_code == 404  # published, not yet adopted

    flask("municipality", "enable", CODE, "inu_toroku", "--fee", "2500")

    page = client.get(f"/{CODE}/procedures/inu_toroku")
    assert page.status_code == 200 and "犬の登録申請" in page.text and "2,500円" in page.text
    assert client.get(f"/{OTHER}/procedures/inu_toroku").status_code == 404
    old = apply(client, CODE, "inu_toroku", {"dog_name": "ポチ", "breed": "shiba"})

    # The town renames an option and a state and rewords the certificate; old cases keep theirs.
    definition = tmp_path / "forms_catalog/inu_toroku.yaml"
    definition.write_text(DEFINITION.replace("label: 柴犬", "label: 柴"), encoding="utf-8")
    workflow = tmp_path / "workflows/inu_toroku.yaml"
    workflow.write_text(WORKFLOW.replace("{label: 受付}", "{label: 審査中}"), encoding="utf-8")
    template = tmp_path / "certificate_templates/inu_toroku.html"
    template.write_text(TEMPLATE.replace("証明する。", "証明します。"), encoding="utf-8")
    assert "definition inu_toroku: v1 → v2" in flask("catalog", "publish")
    new = apply(client, CODE, "inu_toroku", {"dog_name": "タロ", "breed": "shiba"})

    old_page = client.get(f"/{CODE}/applications/{old}").text
    assert "柴犬" in old_page and "受付" in old_page and "審査中" not in old_page
    new_page = client.get(f"/{CODE}/applications/{new}").text
    assert "柴" in new_page and "柴犬" not in new_page and "審査中" in new_page

    clerk = make_client("staff", "staff-mihon-clerk")
    for reference in (old, new):
        assert fire(clerk, reference, "register").status_code == 302
        assert state_of(db_session, CODE, reference) == "registered"

    def printed(reference: str) -> str:
        db_session.expire_all()
        query = select(Certificate).join(Submission).where(Submission.reference == reference)
        certificate = db_session.scalars(query).one()
        assert certificate.pdf is not None
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate.pdf)).pages)

    assert "登録されていることを証明する。" in printed(old)
    assert "登録されていることを証明します。" in printed(new)
